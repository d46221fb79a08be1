class Model:
    """A linear model."""

    def apply(self, x):
        return x * 2
