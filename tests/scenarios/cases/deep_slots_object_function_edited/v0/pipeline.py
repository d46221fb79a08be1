from checkpointing import checkpoint

import helpers


class Transform:
    __slots__ = ("fn", "name")

    def __init__(self, fn, name):
        self.fn = fn
        self.name = name


TRANSFORM = Transform(helpers.normalize, "norm")


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return TRANSFORM.fn(x)
