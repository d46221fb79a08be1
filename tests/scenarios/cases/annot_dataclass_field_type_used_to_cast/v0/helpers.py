from dataclasses import dataclass, fields


@dataclass
class Row:
    n: int


def parse(text):
    return Row(fields(Row)[0].type(text))
