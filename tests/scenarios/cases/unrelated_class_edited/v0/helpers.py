def scale(x):
    return x * 2


class Report:
    def render(self, value):
        return str(value)
