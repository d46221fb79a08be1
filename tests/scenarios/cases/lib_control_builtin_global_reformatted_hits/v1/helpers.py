AGG = (sum)  # total


def summarize(xs):
    return AGG(xs)
