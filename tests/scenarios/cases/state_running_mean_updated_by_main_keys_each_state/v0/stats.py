RUNNING = {"n": 0, "total": 0.0}


def update(v):
    RUNNING["n"] += 1
    RUNNING["total"] += v


def mean():
    return RUNNING["total"] / RUNNING["n"]
