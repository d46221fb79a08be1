import functools
import operator

COMBINE = operator.add


def fold(xs):
    return functools.reduce(COMBINE, xs)
