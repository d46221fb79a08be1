from checkpointing import checkpoint

from helpers import scale


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return scale(x)


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
