import operator

from checkpointing import checkpoint

from items import Item

ITEMS = [Item(1), Item(2)]
SCORE = operator.methodcaller("score", 10)


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x + sum(map(SCORE, ITEMS))
