def weights(n):
    return [1.0] * n


weights.alpha = 0.1


def blend(v):
    return v * weights.alpha + sum(weights(2))
