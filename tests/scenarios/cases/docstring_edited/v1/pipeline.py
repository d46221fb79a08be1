from checkpointing import checkpoint


@checkpoint
def step(x):
    """Return x doubled (the docstring was reworded)."""
    print("COMPUTE step", flush=True)
    return x * 2
