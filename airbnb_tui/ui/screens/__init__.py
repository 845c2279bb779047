"""One screen (or modal) per module; the app owns navigation between them."""
