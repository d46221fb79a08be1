from typing import NamedTuple


class Point(NamedTuple):
    x: int
    y: int


def parse(raw):
    types = Point.__annotations__.values()
    return tuple(Point(*(t(v) for t, v in zip(types, raw))))
