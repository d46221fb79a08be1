import os

from settings import KEY

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * int(os.getenv(KEY))
