import functools

LOG = []
SIZE = functools.partial(len, LOG)


def record(v):
    LOG.append(v)
