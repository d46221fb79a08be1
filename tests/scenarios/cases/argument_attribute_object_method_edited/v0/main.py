from checkpointing import checkpoint

from helpers import Model, Pipeline


@checkpoint
def step(pipe, x):
    print("COMPUTE step", flush=True)
    return pipe.run(x)


if __name__ == "__main__":
    print("RESULT step", repr(step(Pipeline(Model()), 3)))
