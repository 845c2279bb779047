"""``python -m worker``: the same as ``airbnb-worker``."""

from worker.main import main

main()
