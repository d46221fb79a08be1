import cmath
import math

BACKEND = cmath


def root(x):
    return BACKEND.sqrt(x)
