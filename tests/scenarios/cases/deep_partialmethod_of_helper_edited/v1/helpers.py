def scale_by(model, x, factor):
    return x * factor - model.offset
