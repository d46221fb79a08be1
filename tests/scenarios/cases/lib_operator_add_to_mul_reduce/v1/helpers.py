import functools
import operator

COMBINE = operator.mul


def fold(xs):
    return functools.reduce(COMBINE, xs)
