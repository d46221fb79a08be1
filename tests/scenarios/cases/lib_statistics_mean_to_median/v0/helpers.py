import statistics

CENTER = statistics.mean


def center(xs):
    return CENTER(xs)
