from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    from . import helpers

    return helpers.scale(x)
