from checkpointing import checkpoint

import helpers


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    try:
        helpers.add("a", x)
    except TypeError:
        return "bad type"
    return "added"
