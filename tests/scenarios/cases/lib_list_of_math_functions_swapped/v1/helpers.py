import math

OPS = [math.sin, math.tan]


def apply_all(x):
    return [round(op(x), 6) for op in OPS]
