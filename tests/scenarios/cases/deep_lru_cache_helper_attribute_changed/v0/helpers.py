import functools


@functools.lru_cache(maxsize=None)
def scale(v):
    return v * scale.factor


scale.factor = 3
