import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor", "site-packages"))

from checkpointing import checkpoint

import fakepkg


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return fakepkg.scale(x)


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
