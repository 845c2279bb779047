"""A local stand-in for Airbnb's host performance API."""
