import numpy as np

REDUCE = np.mean
