import itertools

STEP = min


def running(xs):
    return list(itertools.accumulate(xs, STEP))
