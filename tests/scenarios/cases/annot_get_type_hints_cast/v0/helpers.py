import typing


class Schema:
    n: int


def parse(text):
    return typing.get_type_hints(Schema)["n"](text)
