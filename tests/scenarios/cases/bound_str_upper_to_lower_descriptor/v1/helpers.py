NORMALIZE = str.lower
