"""``python -m airbnb_tui``: the same as ``airbnb-tui``."""

from airbnb_tui.cli import main

main()
