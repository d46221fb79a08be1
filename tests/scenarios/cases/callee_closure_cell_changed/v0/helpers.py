def make_scaler(factor):
    def scaler(x):
        return x * factor

    return scaler


scale = make_scaler(2)
