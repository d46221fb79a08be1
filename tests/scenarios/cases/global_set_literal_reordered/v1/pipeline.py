from checkpointing import checkpoint

TAGS = {"epsilon", "gamma", "alpha", "delta", "beta"}


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [f"{tag}{x}" for tag in sorted(TAGS)]
