from checkpointing import checkpoint

FACTOR = 2


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
