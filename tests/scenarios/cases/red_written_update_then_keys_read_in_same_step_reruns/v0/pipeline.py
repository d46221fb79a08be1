from checkpointing import checkpoint

import helpers


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    helpers.REGISTRY.update(seen=x)
    return sorted(helpers.REGISTRY)
