from checkpointing import checkpoint

from helpers import slow_square


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [slow_square(v) for v in range(x)]
