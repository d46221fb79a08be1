from checkpointing import checkpoint

import helpers


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    try:
        helpers.drop("a")
    except KeyError:
        return "absent"
    return "dropped"
