class Linear:
    def predict(self, x):
        return 2 * x


class Quadratic:
    def predict(self, x):
        return x * x
