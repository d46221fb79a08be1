class Scaler:
    def __init__(self, k):
        self.k = k

    def apply(self, v):
        return v * self.k
