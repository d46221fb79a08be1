import functools
from operator import mul as combine


def fold(xs):
    return functools.reduce(combine, xs)
