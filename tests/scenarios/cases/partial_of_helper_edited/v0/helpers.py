import functools


def scale(x, factor):
    return x * factor


triple = functools.partial(scale, factor=3)
