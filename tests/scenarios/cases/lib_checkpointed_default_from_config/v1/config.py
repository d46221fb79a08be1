import math

ROUND = math.ceil
