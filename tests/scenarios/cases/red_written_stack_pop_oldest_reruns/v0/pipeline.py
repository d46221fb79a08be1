from checkpointing import checkpoint

import helpers


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    helpers.push(x)
    return helpers.pop_oldest()
