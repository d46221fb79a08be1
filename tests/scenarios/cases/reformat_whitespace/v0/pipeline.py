from checkpointing import checkpoint


def weigh(values, factor):
    return [v * factor for v in values]


@checkpoint
def step(x, offset=0):
    print("COMPUTE step", flush=True)
    values = weigh([x, x + 1, x + 2], 2)
    return {"total": sum(values) + offset, "count": len(values)}
