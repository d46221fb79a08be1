from dataclasses import dataclass
from typing import Callable


@dataclass
class Config:
    agg: Callable


CFG = Config(agg=sum)


def summarize(xs):
    return CFG.agg(xs)
