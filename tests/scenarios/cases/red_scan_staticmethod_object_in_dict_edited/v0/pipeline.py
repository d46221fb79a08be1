from checkpointing import checkpoint

import helpers

OPS = {"f": staticmethod(helpers.scale)}


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return OPS["f"](x)
