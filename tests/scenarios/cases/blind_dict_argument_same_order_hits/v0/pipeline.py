from checkpointing import checkpoint


@checkpoint
def step(columns):
    print("COMPUTE step", flush=True)
    return list(columns)
