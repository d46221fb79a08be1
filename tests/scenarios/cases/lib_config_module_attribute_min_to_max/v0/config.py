AGG = min
