from checkpointing import checkpoint

import config


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return float(config.CENTER(x))
