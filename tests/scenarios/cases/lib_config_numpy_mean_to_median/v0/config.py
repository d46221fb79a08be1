import numpy as np

CENTER = np.mean
