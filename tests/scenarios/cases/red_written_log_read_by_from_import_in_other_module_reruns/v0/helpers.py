LOG = []


def record(v):
    LOG.append(v)
