from checkpointing import checkpoint

import helpers


@checkpoint(ignore_code=["helpers:plot"])
def step(x):
    print("COMPUTE step", flush=True)
    return helpers.plot(x) or helpers.scale(x)


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
