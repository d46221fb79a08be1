from checkpointing import checkpoint

from helpers import running


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return running(x)
