from dataclasses import dataclass


@dataclass
class Config:
    factor: int = 2
    offset: int = 1
