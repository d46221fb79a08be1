CAST = float


def parse(values):
    return [CAST(v) for v in values]
