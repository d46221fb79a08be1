from .util import scale

__all__ = ["scale"]
