import inspect


def target(v: int):
    return v


def coerce(text):
    kind = inspect.signature(target).parameters["v"].annotation
    return target(kind(text))
