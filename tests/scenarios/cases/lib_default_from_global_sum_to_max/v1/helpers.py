AGG = max


def summarize(xs, agg=AGG):
    return agg(xs)
