def produce(x) -> str:
    return x * 2


def run(x):
    return produce.__annotations__["return"](produce(x))
