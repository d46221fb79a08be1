from checkpointing import checkpoint

from helpers import MODEL


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return MODEL.predict(x)
