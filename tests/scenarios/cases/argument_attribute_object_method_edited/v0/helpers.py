class Model:
    def predict(self, x):
        return x * 2


class Pipeline:
    def __init__(self, model):
        self.model = model

    def run(self, x):
        return self.model.predict(x)
