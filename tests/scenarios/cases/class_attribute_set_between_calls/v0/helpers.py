class Model:
    RATE = 2

    def apply(self, x):
        return x * self.RATE
