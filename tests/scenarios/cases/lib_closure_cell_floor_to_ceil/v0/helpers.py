import math

from factory import make_rounder

ROUND = make_rounder(math.floor)
