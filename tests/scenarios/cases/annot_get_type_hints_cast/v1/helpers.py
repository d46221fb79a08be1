import typing


class Schema:
    n: float


def parse(text):
    return typing.get_type_hints(Schema)["n"](text)
