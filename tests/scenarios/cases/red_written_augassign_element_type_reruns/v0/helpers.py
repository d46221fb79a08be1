TOTALS = {}


def add(k, v):
    TOTALS[k] += v
