"""Desk: who may do what. Accounts and sign-in modes, roles, and editors' reviews of mentions.

Hands on the signed-in :class:`User`, the :func:`require` check each action makes, and the
reviews that confirm or reject what extraction found.
"""

from geo.desk.accounts import Accounts, PermissionDenied, User, require
from geo.desk.reviews import Reviews, apply_reviews

__all__ = ["Accounts", "PermissionDenied", "Reviews", "User", "apply_reviews", "require"]
