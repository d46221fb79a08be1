from checkpointing import checkpoint

COLUMNS = {"age": int, "name": str}


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [f"{c}_{x}" for c in COLUMNS]
