import builtins

AGG = builtins.sum


def summarize(xs):
    return AGG(xs)
