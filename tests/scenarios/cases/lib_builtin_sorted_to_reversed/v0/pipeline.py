from checkpointing import checkpoint


ORDER = sorted

@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return list(ORDER(x))
