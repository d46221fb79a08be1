from checkpointing import checkpoint

from helpers import cast


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return cast(x)
