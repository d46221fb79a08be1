AGG = max
