import functools


@functools.singledispatch
def process(value):
    return f"other {value}"


@process.register
def _(value: float):
    return f"number {value}"
