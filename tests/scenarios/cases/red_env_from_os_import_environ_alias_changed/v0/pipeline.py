from os import environ as ENV

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * int(ENV["SCALE"])
