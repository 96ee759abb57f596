#!/usr/bin/env bash
# Create (or reuse) .venv with a Python >= 3.11 and install danhgia into it; "dev" adds the test tools and the
# local Bot API server, "sandbox" only the local Bot API server (for the demo).
set -euo pipefail
cd "$(dirname "$0")/.."

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
        python="$candidate"
        break
    fi
done
if [ -z "$python" ]; then
    echo "danhgia cần Python 3.11 trở lên (needs Python >= 3.11)." >&2
    exit 1
fi

if ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    rm -rf .venv
    "$python" -m venv .venv
fi

extras="."
if [ "${1:-}" = "dev" ]; then
    extras=".[dev]"  # the test tools and the local Bot API server
elif [ "${1:-}" = "sandbox" ]; then
    extras=".[sandbox]"  # the local Bot API server and its chat page (the demo)
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$extras"
