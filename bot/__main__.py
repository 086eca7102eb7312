"""`python -m bot` and the `filmbot` console script."""

from __future__ import annotations

import sys


def main() -> int:
    from bot.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
