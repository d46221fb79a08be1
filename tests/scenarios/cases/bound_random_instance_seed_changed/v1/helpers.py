import random

DRAW = random.Random(2).random


def draws(n):
    return [round(DRAW(), 6) for _ in range(n)]
