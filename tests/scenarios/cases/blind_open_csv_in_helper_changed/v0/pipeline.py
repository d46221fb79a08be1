from checkpointing import checkpoint

from loader import load_rows


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [row["a"] * x + row["b"] for row in load_rows()]
