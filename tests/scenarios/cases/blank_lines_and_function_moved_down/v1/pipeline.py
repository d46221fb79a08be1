from checkpointing import checkpoint







def banner():
    return "pipeline"




@checkpoint
def step(x):

    print("COMPUTE step", flush=True)

    return square(x) + 1



def square(v):

    return v * v
