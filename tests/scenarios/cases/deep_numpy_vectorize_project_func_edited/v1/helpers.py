import numpy as np


def threshold(v):
    return 1 if v > 2 else 0


vthreshold = np.vectorize(threshold)
