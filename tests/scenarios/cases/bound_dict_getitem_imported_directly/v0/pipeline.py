from checkpointing import checkpoint

from tables import translate


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return "".join(map(translate, x))
