import textwrap

WRAP = textwrap.TextWrapper(width=12).wrap
