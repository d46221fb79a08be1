import functools


class Formatter:
    @functools.singledispatchmethod
    def fmt(self, value):
        return "object"

    @fmt.register
    def _(self, value: int):
        return f"int {value}"

    @fmt.register
    def _(self, value: float):
        return f"float {value:.2f}"
