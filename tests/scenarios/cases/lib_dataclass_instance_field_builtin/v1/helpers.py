from dataclasses import dataclass
from typing import Callable


@dataclass
class Config:
    agg: Callable


CFG = Config(agg=max)


def summarize(xs):
    return CFG.agg(xs)
