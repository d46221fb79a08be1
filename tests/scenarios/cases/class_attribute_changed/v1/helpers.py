class Model:
    RATE = 3

    def apply(self, x):
        return x * self.RATE
