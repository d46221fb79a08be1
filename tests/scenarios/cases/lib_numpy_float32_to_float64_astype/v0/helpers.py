import numpy as np

DTYPE = np.float32


def cast(x):
    return np.array([x]).astype(DTYPE).tolist()
