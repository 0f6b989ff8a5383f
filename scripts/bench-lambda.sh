#!/usr/bin/env bash
# Lambda deployment size and cold start for the Molecular Transformer shape (4+4 layers,
# d_model 256, 8 heads, ff 2048), next to the seed's PyTorch deployment.
#
# Usage: scripts/bench-lambda.sh [--runs N] [--storage f32|f16|int8] [--profile lambda|release]
# (--profile: the bootstrap's cargo profile, passed to scripts/package-lambda.sh; release reuses
# the workspace build, lambda is what ships: smaller, and a build of its own)
# Cold start = emulator (and bootstrap) process start -> first answer received, one input at
# beam 5, through the Lambda Runtime API emulator on loopback; N fresh processes (default 5),
# median reported. The model comes from scripts/bench.sh --model-only (bench/.work/mt.retort).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[bench-lambda] %s\n' "$*" >&2; }
runs=5
storage=f32
profile=lambda
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --storage) storage="$2"; shift 2 ;;
        --profile) profile="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown argument $1"; exit 2 ;;
    esac
done
work=bench/.work/lambda
mkdir -p "$work"
cargo build --release --locked --workspace >&2
bundle="$(scripts/bench.sh --model-only --skip-build | tail -1)"
if [ "$storage" != f32 ]; then
    # int8 bundles are computed in int8 by the function (COMPUTE_TYPE=auto)
    target/release/retort import bench/.work/mt-ct2 -o "$work/mt-$storage.retort" --storage "$storage" --tokenizer smiles >&2
    bundle="$work/mt-$storage.retort"
fi
scripts/package-lambda.sh --arch x86_64 --profile "$profile" --model "$bundle" --out "$work" >&2
python3 - "$work/retort-lambda-x86_64.zip" "$bundle" "$runs" <<'PY'
import json, os, statistics, subprocess, sys, tempfile, time, urllib.request, zipfile
zip_path, bundle, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
root = os.getcwd()
inp = open("fixtures/golden/inputs.txt").readline().strip()
with tempfile.TemporaryDirectory() as task_root:
    # As Lambda does: unzip into the task root, run bootstrap from there.
    zipfile.ZipFile(zip_path).extractall(task_root)
    os.chmod(f"{task_root}/bootstrap", 0o755)
    unzipped = sum(os.path.getsize(f"{task_root}/{n}") for n in os.listdir(task_root))
    colds, inits = [], []
    for _ in range(runs):
        env = dict(os.environ, LAMBDA_TASK_ROOT=task_root, AWS_REGION="us-east-1")
        env.pop("MODEL_PATH", None)
        t0 = time.perf_counter()
        emu = subprocess.Popen([f"{root}/target/release/lambda-emulator", "--bootstrap", f"{task_root}/bootstrap"],
                               stdout=subprocess.PIPE, env=env, text=True)
        try:
            port = json.loads(emu.stdout.readline())["port"]
            body = json.dumps({"inputs": [inp], "options": {"beam_size": 5, "max_length": 60}}).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/2015-03-31/functions/retort/invocations", data=body, method="POST")
            with urllib.request.urlopen(req, timeout=300) as r:
                answer = json.loads(r.read())
            colds.append(time.perf_counter() - t0)
            inits.append(answer["timing"]["init_ms"] / 1e3)
        finally:
            emu.terminate()
            emu.wait(10)
zip_mb = os.path.getsize(zip_path) / 1e6
print("| deployment | package | unzipped | cold start (process start -> first answer) |")
print("| --- | --- | --- | --- |")
print(f"| seed: OpenNMT-py on Lambda | 480 MB layer + 145 MB model | > 600 MB | 5.6 s (OpenNMT-py, measured by the issue) |")
print(f"| Retort {os.path.basename(bundle)} | {zip_mb:.1f} MB zip | {unzipped/1e6:.1f} MB | "
      f"{statistics.median(colds):.2f} s median of {runs} (model load {statistics.median(inits):.2f} s) |")
PY
