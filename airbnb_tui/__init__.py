"""airbnb-tui: sync Airbnb host performance metrics into a database you own."""

__version__ = "0.1.0"
