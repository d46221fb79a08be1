import functools


def scale(x, factor):
    return x * factor + 1


triple = functools.partial(scale, factor=3)
