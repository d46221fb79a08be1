SEP = "-"
JOIN = SEP.join
