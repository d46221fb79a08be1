import numpy as np

TOTAL = np.multiply.reduce
