COUNTS = {}


def record(key):
    COUNTS[key] += 1
