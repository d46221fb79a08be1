from checkpointing import checkpoint


@checkpoint
def step(frame):
    print("COMPUTE step", flush=True)
    return frame.total()
