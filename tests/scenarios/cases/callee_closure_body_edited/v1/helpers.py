def make_scaler(factor):
    def scaler(x):
        return x * factor + 1

    return scaler


scale = make_scaler(2)
