from collections import defaultdict


def fresh():
    return 0


TOTALS = defaultdict(fresh)


def add(k, v):
    TOTALS[k] += v
