import numpy as np

CENTER = np.median
