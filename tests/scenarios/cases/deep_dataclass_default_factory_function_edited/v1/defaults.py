def default_weights():
    return [1, 3]
