from checkpointing import checkpoint

TAGS = {"alpha", "beta", "gamma", "delta", "epsilon"}


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [f"{tag}{x}" for tag in sorted(TAGS)]
