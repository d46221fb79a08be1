from .core import step

__all__ = ["step"]
