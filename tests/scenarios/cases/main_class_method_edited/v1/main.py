from checkpointing import checkpoint


class Model:
    def predict(self, x):
        return x * 2 + 1


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return Model().predict(x)


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
