import enum


class Mode(enum.Enum):
    FAST = 3
    SLOW = 10
