import helpers


def size():
    return len(getattr(helpers, "LOG"))
