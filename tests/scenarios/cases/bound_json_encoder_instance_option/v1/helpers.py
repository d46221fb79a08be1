import json

ENCODE = json.JSONEncoder(sort_keys=False).encode
