"""Infrastructure behind the small interfaces services depend on (Redis, ...)."""
