import numpy as np

SCAN = np.maximum.accumulate
