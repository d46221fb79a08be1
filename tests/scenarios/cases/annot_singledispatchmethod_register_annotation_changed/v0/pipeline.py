from checkpointing import checkpoint

from helpers import handle


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return handle(x)
