import re

FIND = re.compile(r"\d+").findall
