"""Small transforms, now with a module docstring and moved down."""



transform = lambda v: [i * 2 for i in range(v)]  # noqa: E731


square = lambda v: v * v  # noqa: E731
