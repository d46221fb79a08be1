transform = lambda v: v + 2  # noqa: E731
