import os

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * sum(int(v) for k, v in os.environ.items() if k.startswith("APP_"))
