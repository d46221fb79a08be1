from pathlib import Path

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * int((Path("data") / "factor.txt").read_text())
