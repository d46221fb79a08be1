import functools
from operator import add as combine


def fold(xs):
    return functools.reduce(combine, xs)
