#!/usr/bin/env bash
# Prints the path of JAX's CUDA PJRT plugin (jax_plugins.xla_cuda13, else
# xla_cuda12), for GOMLX_BACKEND=xla:PATH; with none installed, says so on
# stderr and exits 1. Used by gpu-bench.sh, gpu-crossover.sh and
# gpu-session.sh.
for v in 13 12; do
	p=$(python3 -c "import os, jax_plugins.xla_cuda$v as m; print(os.path.join(os.path.dirname(m.__file__), 'xla_cuda_plugin.so'))" 2>/dev/null) &&
		[ -f "$p" ] && { echo "$p"; exit 0; }
done
echo "pjrt-plugin: no JAX CUDA PJRT plugin found (jax_plugins.xla_cuda13 or xla_cuda12); set GOMLX_BACKEND=xla:/path/to/pjrt_plugin.so" >&2
exit 1
