import weakref

from checkpointing import checkpoint

import helpers

REF = weakref.ref(helpers.scale)


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return REF()(x)
