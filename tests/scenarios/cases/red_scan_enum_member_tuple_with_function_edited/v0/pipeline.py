import enum

from checkpointing import checkpoint

import helpers


class Op(enum.Enum):
    DOUBLE = (1, helpers.scale)



@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return Op.DOUBLE.value[1](x)
