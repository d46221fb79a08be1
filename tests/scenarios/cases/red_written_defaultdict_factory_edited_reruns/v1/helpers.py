from collections import defaultdict


def fresh():
    return ""


TOTALS = defaultdict(fresh)


def add(k, v):
    TOTALS[k] += v
