import numpy as np

SCAN = np.minimum.accumulate
