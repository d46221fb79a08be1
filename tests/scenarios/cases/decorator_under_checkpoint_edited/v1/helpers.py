import functools


def clamped(func):
    @functools.wraps(func)
    def wrapper(x):
        return min(func(x), 200)

    return wrapper
