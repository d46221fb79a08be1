def scale(x):
    """Double x."""
    return x * 2
