import cmath
import math

BACKEND = math


def root(x):
    return BACKEND.sqrt(x)
