import numpy as np

DTYPE = np.float64


def cast(x):
    return np.array([x]).astype(DTYPE).tolist()
