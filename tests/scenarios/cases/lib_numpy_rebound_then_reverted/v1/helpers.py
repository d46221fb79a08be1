import numpy as np

REDUCE = np.median
