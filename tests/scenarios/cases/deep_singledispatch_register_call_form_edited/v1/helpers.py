import functools


@functools.singledispatch
def describe(value):
    return "object"


def _describe_int(value):
    return f"integer {value}"


def _describe_str(value):
    return f"str {value}"


describe.register(int, _describe_int)
describe.register(str, _describe_str)
