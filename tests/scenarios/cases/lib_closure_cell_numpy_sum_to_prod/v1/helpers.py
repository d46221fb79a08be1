import numpy as np


def make_reducer(fn):
    def reduce(xs):
        return int(fn(np.asarray(xs)))

    return reduce


REDUCE = make_reducer(np.prod)
