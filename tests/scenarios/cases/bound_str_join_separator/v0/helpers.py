JOIN = "-".join
