from dataclasses import dataclass, fields

Number = float


@dataclass
class Row:
    n: Number


def parse(text):
    return fields(Row)[0].type(text)
