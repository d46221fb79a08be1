def get_value(self):
    return 5
