class Model:
    RATE = 2

    def apply(self, v):
        return v * self.RATE
