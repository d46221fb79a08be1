import typing

from checkpointing import checkpoint

import helpers

ALIAS = typing.Optional[helpers.Model]


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return ALIAS.__args__[0]().apply(x)
