def summarize(xs, agg=max):
    return agg(xs)
