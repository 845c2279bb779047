"""The Airbnb client: payloads, transport, rate limit, retries, errors, parsing, credentials."""
