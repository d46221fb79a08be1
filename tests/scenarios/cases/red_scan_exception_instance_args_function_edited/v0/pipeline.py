from checkpointing import checkpoint

import helpers

ERR = ValueError(helpers.scale)


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return ERR.args[0](x)
