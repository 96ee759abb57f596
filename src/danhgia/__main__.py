"""`python -m danhgia` is the same as the `danhgia` command."""

from danhgia.bot.cli import main

main()
