from collections import Counter

COUNTS = Counter()


def count(k):
    COUNTS[k] += 1


def total():
    return sum(COUNTS.values())
