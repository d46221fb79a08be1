def summarize(xs, agg=sum):
    return agg(xs)
