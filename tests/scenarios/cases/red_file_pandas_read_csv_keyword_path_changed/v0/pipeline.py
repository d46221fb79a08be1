import pandas as pd

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return int(x * pd.read_csv(filepath_or_buffer="data.csv")["k"].sum())
