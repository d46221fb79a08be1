from checkpointing import checkpoint

from helpers import Config


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    config = Config()
    return x * config.factor + config.offset
