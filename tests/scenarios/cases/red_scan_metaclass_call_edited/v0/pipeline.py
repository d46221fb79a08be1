from checkpointing import checkpoint

import helpers


class Model(metaclass=helpers.Meta):
    def __init__(self, v):
        self.v = v



@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return Model(x).v
