from checkpointing import checkpoint

import models

CANDIDATES = ((models.Linear, {}), (models.Quadratic, {}))


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [cls(**kw).predict(x) for cls, kw in CANDIDATES]
