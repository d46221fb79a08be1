from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return __import__("helpers").scale(x)
