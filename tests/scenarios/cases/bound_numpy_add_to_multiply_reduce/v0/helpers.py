import numpy as np

TOTAL = np.add.reduce
