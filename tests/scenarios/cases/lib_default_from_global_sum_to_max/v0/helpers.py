AGG = sum


def summarize(xs, agg=AGG):
    return agg(xs)
