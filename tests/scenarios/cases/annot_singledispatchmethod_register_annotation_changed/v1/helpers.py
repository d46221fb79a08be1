import functools


class Handler:
    @functools.singledispatchmethod
    def handle(self, value):
        return f"other {value}"

    @handle.register
    def _(self, value: bool):
        return f"int {value}"


def handle(value):
    return Handler().handle(value)
