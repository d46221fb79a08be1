from checkpointing import checkpoint


@checkpoint
def step(transform, x):
    print("COMPUTE step", flush=True)
    return [transform(v) for v in range(x)]
