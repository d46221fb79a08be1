from checkpointing import checkpoint

import ops


class Pipeline:
    STEPS = {"scale": ops.scale, "shift": ops.shift}
    ORDER = ("scale", "shift")


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    for name in Pipeline.ORDER:
        x = Pipeline.STEPS[name](x)
    return x
