from checkpointing import checkpoint


def scale(v):
    return v * 2


double = scale


def scale(v):  # noqa: F811
    return v * 3


triple = scale


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return triple(x) * 10 + double(x)
