"""``python -m dreamstyle``."""

from .cli import main

main()
