import re

PATTERN = re.compile("[0-9]+")


def numbers(text):
    return PATTERN.findall(text)
