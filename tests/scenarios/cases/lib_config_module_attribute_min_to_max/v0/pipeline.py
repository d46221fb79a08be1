from checkpointing import checkpoint

import config


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return config.AGG(x)
