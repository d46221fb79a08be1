REDUCERS = {"total": sum, "peak": max}


def report(xs):
    return {name: fn(xs) for name, fn in REDUCERS.items()}
