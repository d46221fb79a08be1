from checkpointing import checkpoint


ORDER = reversed

@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return list(ORDER(x))
