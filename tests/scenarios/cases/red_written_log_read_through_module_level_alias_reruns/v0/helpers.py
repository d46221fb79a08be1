LOG = []
VIEW = LOG


def record(v):
    LOG.append(v)


def size():
    return len(VIEW)
