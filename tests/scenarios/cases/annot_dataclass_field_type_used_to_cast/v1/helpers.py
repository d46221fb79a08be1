from dataclasses import dataclass, fields


@dataclass
class Row:
    n: float


def parse(text):
    return Row(fields(Row)[0].type(text))
