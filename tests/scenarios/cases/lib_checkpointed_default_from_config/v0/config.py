import math

ROUND = math.floor
