# Writes short-names.npz with NumPy, as a researcher would: short names,
# float32 matrices, float64 biases, no W_Q/W_K (a constant-attention model).
# Values: sin(0.37 i + k) for the k-th array, i the flat index.
# Run with Debian's python3-numpy: /usr/bin/python3 make_fixture.py
import numpy as np

p, d, h, dh, m = 5, 4, 2, 2, 6
shapes = [("W_E", (p, d), np.float32), ("W_pos", (2, d), np.float32),
          ("W_V", (h, d, dh), np.float32), ("W_O", (h, dh, d), np.float32),
          ("W_in", (d, m), np.float32), ("b_in", (m,), np.float64),
          ("W_out", (m, d), np.float32), ("b_out", (d,), np.float64),
          ("W_U", (d, p), np.float32)]
arrays = {}
for k, (name, shape, dt) in enumerate(shapes):
    n = int(np.prod(shape))
    arrays[name] = np.sin(0.37 * np.arange(n) + k).reshape(shape).astype(dt)
np.savez("short-names.npz", **arrays)
