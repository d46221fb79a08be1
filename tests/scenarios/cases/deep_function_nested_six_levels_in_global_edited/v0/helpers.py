def scale(v):
    return v * 2


def shift(v):
    return v + 1


REGISTRY = {
    "stages": [
        (
            {"ops": [("scale", scale), ("shift", shift)]},
            "v1",
        ),
    ],
}
