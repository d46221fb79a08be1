import numpy as np

DT = np.dtype("int16")


def cast(x):
    return np.array([x]).astype(DT).tolist()
