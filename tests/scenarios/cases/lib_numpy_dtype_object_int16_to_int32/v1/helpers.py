import numpy as np

DT = np.dtype("int32")


def cast(x):
    return np.array([x]).astype(DT).tolist()
