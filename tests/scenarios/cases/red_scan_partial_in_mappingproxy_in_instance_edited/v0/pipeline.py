import functools
import types

from checkpointing import checkpoint

import helpers


class Holder:
    def __init__(self):
        self.ops = types.MappingProxyType({"f": functools.partial(helpers.scale)})


HOLDER = Holder()


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return HOLDER.ops["f"](x)
