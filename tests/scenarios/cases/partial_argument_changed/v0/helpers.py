import functools


def scale(x, factor):
    return x * factor


scaled = functools.partial(scale, factor=3)
