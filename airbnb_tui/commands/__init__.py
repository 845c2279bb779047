"""The subcommands of ``airbnb-tui``, one module per command group."""
