import collections

from checkpointing import checkpoint

import helpers

OPS = collections.deque([helpers.scale])


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return OPS[0](x)
