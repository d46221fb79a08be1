AGG = sum


def summarize(xs):
    return AGG(xs)
