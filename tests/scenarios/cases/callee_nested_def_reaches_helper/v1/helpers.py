def offset(v):
    return v + 5


def transform(x):
    def inner(v):
        return offset(v) * 2

    return [inner(v) for v in range(x)]
