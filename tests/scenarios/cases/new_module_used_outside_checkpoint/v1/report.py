def render(value):
    return f"<{value}>"
