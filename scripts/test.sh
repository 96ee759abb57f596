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

# The suite must pass whatever today's date is: it runs a second time with the machine's clock a year ahead
# (Debian's faketime). conftest.py checks that the clock really moved, so this run cannot pass silently.
if ! command -v faketime >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's faketime for the moved-clock run…"
        { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; } || true
    fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
.venv/bin/pytest "$@"

# Every end-to-end test once more with Telegram posting to a webhook (`danhgia run --webhook`) instead of long polling.
if [ "$#" -eq 0 ]; then
    echo "The end-to-end tests again, updates delivered to a webhook:"
    DANHGIA_TEST_TRANSPORT=webhook .venv/bin/pytest tests/e2e
fi

if command -v faketime >/dev/null 2>&1; then
    echo "The same tests with the clock moved a year ahead (faketime +365d):"
    DANHGIA_CLOCK_AHEAD_OF="$(date +%s)" FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f '+365d' .venv/bin/pytest "$@"
elif [ "${CI:-}" = "true" ]; then
    echo "faketime is missing and could not be installed: the moved-clock run cannot prove the suite date-proof." >&2
    exit 1
else
    echo "faketime is missing (apt-get install faketime): the moved-clock run is skipped here."
fi
