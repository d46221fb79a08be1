from checkpointing import checkpoint


@checkpoint
def step(rows):
    print("COMPUTE step", flush=True)
    return [",".join(row) for row in rows]
