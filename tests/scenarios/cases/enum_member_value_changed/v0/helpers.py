import enum


class Mode(enum.Enum):
    FAST = 2
    SLOW = 10
