from dataclasses import dataclass, fields

Number = int


@dataclass
class Row:
    n: Number


def parse(text):
    return fields(Row)[0].type(text)
