from checkpointing import checkpoint

import config


@checkpoint
def step(x, rnd=config.ROUND):
    print("COMPUTE step", flush=True)
    return rnd(x)
