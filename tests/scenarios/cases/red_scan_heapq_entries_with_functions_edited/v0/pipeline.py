import heapq

from checkpointing import checkpoint

import helpers

QUEUE = []
heapq.heappush(QUEUE, (1, helpers.scale))


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return heapq.heappop(list(QUEUE))[1](x)
