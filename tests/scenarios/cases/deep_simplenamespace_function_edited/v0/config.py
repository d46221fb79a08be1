import types

import losses

CFG = types.SimpleNamespace(loss=losses.l2, lr=0.1, epochs=2)
