class Model:
    RATE = 3

    def apply(self, v):
        return v * self.RATE
