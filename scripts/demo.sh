#!/usr/bin/env bash
# Set everything up and try the whole cycle without Telegram: `danhgia demo` (a local page that looks like Telegram).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh sandbox
exec .venv/bin/danhgia demo "$@"
