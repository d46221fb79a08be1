import types

from checkpointing import checkpoint

import helpers

BOUND = types.MethodType(helpers.scale_by, 3)


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return BOUND(x)
