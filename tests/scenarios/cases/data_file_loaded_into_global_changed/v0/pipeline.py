from checkpointing import checkpoint

import settings


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * settings.FACTOR
