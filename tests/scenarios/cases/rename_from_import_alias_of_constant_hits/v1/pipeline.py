from checkpointing import checkpoint

from config import RATE as rate


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * rate
