import functools


def _scale(v, k):
    return v * k


def __getattr__(name):
    if name == "scale":
        return functools.partial(_scale, k=4)
    raise AttributeError(name)
