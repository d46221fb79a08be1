import yaml

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    with open("cfg.yaml") as f:
        return x * yaml.safe_load(f)["k"]
