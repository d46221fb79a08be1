class Model:
    def apply(self, v):
        return v * 5
