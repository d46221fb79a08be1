from checkpointing import checkpoint


def square(v):
    return v * v


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return square(x) + 1


def banner():
    return "pipeline"
