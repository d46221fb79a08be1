import functools


@functools.lru_cache(maxsize=None)
def slow_square(v):
    return v * v
