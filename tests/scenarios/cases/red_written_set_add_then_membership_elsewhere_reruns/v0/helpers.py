SEEN = set()


def mark(v):
    SEEN.add(v)


def snapshot():
    return frozenset(SEEN)
