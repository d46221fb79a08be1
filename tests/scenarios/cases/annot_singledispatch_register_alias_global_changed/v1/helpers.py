import functools

Key = str


@functools.singledispatch
def process(value):
    return f"other {value}"


@process.register
def _(value: Key):
    return f"key {value}"
