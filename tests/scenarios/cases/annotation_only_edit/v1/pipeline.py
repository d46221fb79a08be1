from checkpointing import checkpoint

from helpers import scale


@checkpoint
def step(x: int) -> int:
    print("COMPUTE step", flush=True)
    total: int = scale(x)
    return total
