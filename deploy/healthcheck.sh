#!/bin/sh
# Exit 0 when Contested Map answers "ok" on Streamlit's health endpoint, 1 otherwise.
# Needs only Python (no curl or wget): used by the Docker HEALTHCHECK and by monitoring.
#   deploy/healthcheck.sh [URL]   default http://127.0.0.1:${PORT:-8501}/_stcore/health
set -eu
url="${1:-http://127.0.0.1:${PORT:-8501}/_stcore/health}"
exec "${PYTHON:-python3}" -c '
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(sys.argv[1], timeout=5) as response:
        body = response.read(64).strip()
except Exception as error:
    sys.exit(f"unhealthy: {sys.argv[1]}: {error}")
if body != b"ok":
    sys.exit(f"unhealthy: {sys.argv[1]} answered {body!r}")
' "$url"
