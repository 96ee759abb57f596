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

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
