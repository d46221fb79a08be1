import os

from checkpointing import checkpoint


def read(key="SCALE"):
    return int(os.environ[key])



@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * read()
