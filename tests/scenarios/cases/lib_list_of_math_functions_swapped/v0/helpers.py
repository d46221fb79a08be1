import math

OPS = [math.sin, math.cos]


def apply_all(x):
    return [round(op(x), 6) for op in OPS]
