import dataclasses

from checkpointing import checkpoint

import defaults


@dataclasses.dataclass
class Config:
    weights: list = dataclasses.field(default_factory=defaults.default_weights)


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [w * x for w in Config().weights]
