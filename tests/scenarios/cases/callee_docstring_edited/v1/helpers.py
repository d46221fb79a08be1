def scale(x):
    """Return twice x."""
    return x * 2
