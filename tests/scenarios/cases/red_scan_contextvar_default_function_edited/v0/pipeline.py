import contextvars

from checkpointing import checkpoint

import helpers

VAR = contextvars.ContextVar("op", default=helpers.scale)


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return VAR.get()(x)
