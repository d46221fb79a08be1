from checkpointing import checkpoint

import helpers

C = type("C", (), {"value": property(helpers.get_value)})
OBJ = C()


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return OBJ.value * x
