import numpy as np


def clip_score(v):
    return min(int(v), 1)


clip_u = np.frompyfunc(clip_score, 1, 1)
