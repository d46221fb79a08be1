from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)

    def transform(v):
        return v * v * v

    return [transform(v) for v in range(x)]
