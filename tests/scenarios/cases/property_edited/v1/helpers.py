class Model:
    def __init__(self, weight):
        self.weight = weight

    @classmethod
    def default(cls):
        return cls(2)

    @staticmethod
    def clip(value):
        return min(value, 250)

    @property
    def doubled(self):
        return self.weight * 4

    def predict(self, x):
        return self.weight * x
