import json
from pathlib import Path

from checkpointing import checkpoint

PARAMS_FILE = Path("params.json")


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    params = json.loads(PARAMS_FILE.read_text())
    return x * params["alpha"] * params["steps"]
