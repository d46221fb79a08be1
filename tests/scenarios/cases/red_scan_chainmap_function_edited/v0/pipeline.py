import collections

from checkpointing import checkpoint

import helpers

OPS = collections.ChainMap({}, {"f": helpers.scale})


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return OPS["f"](x)
