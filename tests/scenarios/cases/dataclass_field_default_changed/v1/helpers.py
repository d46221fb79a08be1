from dataclasses import dataclass


@dataclass
class Config:
    factor: int = 3
    offset: int = 1
