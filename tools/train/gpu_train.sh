#!/usr/bin/env bash
# The one call on the GPU machine (the workplace's device tool runs it in the repository root,
# with tools/train/.work carried and $OUT set):
#   tools/train/gpu_train.sh            # TRAIN_SECONDS (default 420) of training, then evaluation
# Checks the environment first so that a missing package fails in seconds, not minutes.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1
: "${OUT:?OUT must name the folder for the results}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || exit 1
python3 -c 'import torch, numpy, safetensors; assert torch.cuda.is_available(); print("torch", torch.__version__)' || exit 1
# The hard stop leaves time for the final checkpoint to come back even if evaluation hangs.
timeout "${TRAIN_TIMEOUT:-560}" python3 tools/train/train.py --data tools/train/.work --out "$OUT" \
  --seconds "${TRAIN_SECONDS:-420}"
