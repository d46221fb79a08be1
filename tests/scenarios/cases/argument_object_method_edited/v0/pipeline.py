from checkpointing import checkpoint


@checkpoint
def step(model, x):
    print("COMPUTE step", flush=True)
    return model.predict(x)
