REDUCERS = {"total": sum, "peak": min}


def report(xs):
    return {name: fn(xs) for name, fn in REDUCERS.items()}
