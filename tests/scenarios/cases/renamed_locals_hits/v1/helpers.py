def weight(v):
    doubled = v * 2
    return doubled
