from checkpointing import checkpoint

from helpers import scale  # the project's scaling rule


@checkpoint  # cached on disk
def step(x):
    # Scale first, then add one; the comment changed.
    print("COMPUTE step", flush=True)  # marker for the test
    return scale(x) + 1  # trailing comment


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
