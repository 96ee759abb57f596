#!/usr/bin/env bash
# Set everything up and run the bot: `danhgia run` against the Bot API in TELEGRAM_API_URL (Telegram by default).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/danhgia run "$@"
