import numpy as np

UFUNC = np.multiply


def fold(xs):
    return int(UFUNC.reduce(np.asarray(xs)))
