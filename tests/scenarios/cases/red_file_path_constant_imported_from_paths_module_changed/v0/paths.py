DATA = "factor.txt"
