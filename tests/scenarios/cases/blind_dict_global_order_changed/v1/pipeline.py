from checkpointing import checkpoint

COLUMNS = {"name": str, "age": int}


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [f"{c}_{x}" for c in COLUMNS]
