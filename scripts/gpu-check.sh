#!/usr/bin/env bash
# GPU check (issue 16): proves the CUDA path on a GPU host in a few minutes, and says clearly why
# not on a host without one. Run from the repository root after `npm ci`:
#   scripts/gpu-check.sh            # fetches the CUDA binaries if missing, then the checks
#   scripts/gpu-check.sh --cpu      # rehearsal on a host without a GPU: the K/V-on-device
#                                   # section on the CPU provider with the shipped reasoner
# Prints the GPU, then: decode with the K/V cache kept on the device vs on the host (tokens/s
# with REASONING_KV_ON_DEVICE on and off, K/V bytes between host and device per decode step;
# bench/reasoning.bench.ts --kv-device), every downloaded-folder format on CUDA
# (bench/models-formats.ts --ep cuda), then the reasoning bench on CUDA with one repetition.
# Figures go to docs/benchmarks.md with the card's name. Exit codes: 0 all ran, 2 no usable GPU /
# CUDA runtime, other: a check failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# An array, not a function: `timeout` runs commands, not shell functions.
RUN=(node -r ts-node/register/transpile-only -r tsconfig-paths/register)

if [ "${1:-}" = "--cpu" ]; then
  echo "== rehearsal on CPU: K/V on the device (forced) vs on the host, shipped reasoner"
  BENCH_KV_ROWS=1,8 BENCH_KV_CONTEXT=96 BENCH_KV_DECODE=16 timeout 600 \
    "${RUN[@]}" bench/reasoning.bench.ts --kv-device --ep cpu --model models/risk-reasoner/fp32
  exit 0
fi

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU visible (nvidia-smi missing or failing): nothing to prove here" >&2
  exit 2
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

BIN="node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
if [ ! -f "$BIN/libonnxruntime_providers_cuda.so" ]; then
  echo "gpu-check: fetching onnxruntime's CUDA 12 execution provider binaries" >&2
  ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node
fi
if [ ! -f "$BIN/libonnxruntime_providers_cuda.so" ]; then
  echo "gpu-check: $BIN/libonnxruntime_providers_cuda.so still missing (no network to the NuGet feed?)" >&2
  exit 2
fi

echo "== K/V on the device vs on the host, on CUDA (decode tokens/s, bytes per step)"
timeout 600 "${RUN[@]}" bench/reasoning.bench.ts --kv-device --ep cuda

echo "== formats on CUDA (K/V, logits, batching through the CUDA execution provider)"
timeout 600 "${RUN[@]}" bench/models-formats.ts --ep cuda

echo "== reasoning bench on CUDA (1 repetition)"
BENCH_REPS=1 timeout 900 npx ts-node --transpile-only -r tsconfig-paths/register \
  bench/reasoning.bench.ts --ep cuda
