"""What every command shares: its exit statuses and the error that becomes one line on stderr."""

EXIT_OK, EXIT_FAILED = 0, 1


class CommandError(Exception):
    """A problem with the user's input: printed as one line, exit status 1."""
