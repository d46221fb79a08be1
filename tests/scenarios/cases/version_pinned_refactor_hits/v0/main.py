from checkpointing import checkpoint

import helpers


@checkpoint(version="1")
def step(x):
    print("COMPUTE step", flush=True)
    return helpers.scale(x)


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
