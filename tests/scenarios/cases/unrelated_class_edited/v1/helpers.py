def scale(x):
    return x * 2


class Report:
    TITLE = "report"

    def render(self, value):
        return f"{self.TITLE}: {value}"
