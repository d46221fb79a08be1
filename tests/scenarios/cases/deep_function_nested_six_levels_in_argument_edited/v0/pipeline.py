from checkpointing import checkpoint


@checkpoint
def step(plan, x):
    print("COMPUTE step", flush=True)
    stage, _tag = plan["stages"][0]
    for _name, op in stage["ops"]:
        x = op(x)
    return x
