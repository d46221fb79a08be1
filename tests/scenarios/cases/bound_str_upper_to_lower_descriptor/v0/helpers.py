NORMALIZE = str.upper
