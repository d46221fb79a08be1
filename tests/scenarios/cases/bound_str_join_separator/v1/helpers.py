JOIN = "+".join
