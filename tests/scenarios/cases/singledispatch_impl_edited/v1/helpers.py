import functools


@functools.singledispatch
def describe(value):
    return "object"


@describe.register
def _(value: int):
    return f"integer {value}"
