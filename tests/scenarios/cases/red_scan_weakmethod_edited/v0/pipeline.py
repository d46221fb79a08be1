import weakref

from checkpointing import checkpoint

import helpers

_KEEP = helpers.Op()
REF = weakref.WeakMethod(_KEEP.apply)


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return REF()(x)
