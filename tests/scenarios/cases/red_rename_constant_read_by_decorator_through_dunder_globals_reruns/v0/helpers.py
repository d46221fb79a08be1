import functools


def scaled_by_module_factor(fn):
    @functools.wraps(fn)
    def wrapper(v):
        return fn(v) * fn.__globals__.get("FACTOR", 1)

    return wrapper
