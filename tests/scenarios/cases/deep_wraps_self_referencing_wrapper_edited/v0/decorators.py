import functools


def logged(fn):
    @functools.wraps(fn)
    def inner(*args, **kwargs):
        return inner.__wrapped__(*args, **kwargs)

    return inner
