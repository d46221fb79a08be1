import types

from checkpointing import checkpoint

import helpers

OPS = types.MappingProxyType({"f": helpers.scale})


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return OPS["f"](x)
