"""The headless worker: the huey instance, tasks, schedule and the ``airbnb-worker`` entry point."""
