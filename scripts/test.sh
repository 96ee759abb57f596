#!/usr/bin/env bash
# Set everything up and run the checks: ruff, mypy --strict and the whole test suite.
# Storage and workflow tests also run on PostgreSQL when TEST_POSTGRES_URL is set, or when a server answers
# at 127.0.0.1:5432 (user postgres, database test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev

if [ -z "${TEST_POSTGRES_URL:-}" ]; then
    candidate="postgresql://postgres@127.0.0.1:5432/test"
    if .venv/bin/python -c "import psycopg, sys; psycopg.connect('$candidate', connect_timeout=3).close()" 2>/dev/null; then
        export TEST_POSTGRES_URL="$candidate"
    fi
fi
if [ -n "${TEST_POSTGRES_URL:-}" ]; then
    echo "PostgreSQL: storage and workflow tests also run on ${TEST_POSTGRES_URL}"
else
    echo "PostgreSQL: no server answered at 127.0.0.1:5432 and TEST_POSTGRES_URL is not set;" \
        "the PostgreSQL variants of the storage and workflow tests will be skipped."
fi

# The demo page's browser test drives Debian's chromium with Playwright (never Playwright's own browser download).
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's chromium for the browser test…"
        { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
            echo "Could not install chromium: the browser test will be skipped."
    else
        echo "chromium is missing and cannot be installed here (not root): the browser test will be skipped."
    fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
