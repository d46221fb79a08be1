from checkpointing import checkpoint

import stats


@checkpoint
def centre(x):
    print("COMPUTE centre", flush=True)
    return x - stats.mean()
