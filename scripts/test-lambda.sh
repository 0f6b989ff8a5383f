#!/usr/bin/env bash
# Lambda checks beyond `cargo test` (whose host-lambda e2e tests drive the real bootstrap through
# the emulator with s3s-fs): the SAM template passes `sam validate --lint` offline, the x86_64
# deployment zip has bootstrap (0755) + model at its root, and the arm64 bootstrap, cross-built,
# answers an invocation under qemu-aarch64-static exactly as the x86_64 one does.
#
# Usage: scripts/test-lambda.sh            (all)
#        SKIP_AARCH64=1 scripts/test-lambda.sh
#        scripts/test-lambda.sh --prepare  (installs aws-sam-cli only)
#        scripts/test-lambda.sh --build-arm64  (the arm64 cross build only)
# (scripts/test.sh runs --prepare and --build-arm64 in its build phase, beside other builds.)
# Needs the workspace's release build (target/release/bootstrap from host-lambda, lambda-emulator
# from dev-tools, retort from host-cli); installs
# aws-sam-cli into .venv-sam and qemu-user-static with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
log() { printf '[test-lambda] %s\n' "$*" >&2; }
# shellcheck disable=SC2034
RETORT_LOG_TAG=test-lambda
# shellcheck source-path=SCRIPTDIR source=lib-toolchain.sh
. scripts/lib-toolchain.sh

# The arm64 bootstrap, in the arm64-check profile (Cargo.toml): release semantics,
# unoptimised: ~4x cheaper to cross-build. retort-python's library is built with it (without default features, as the aarch64 wheel check
# builds it): cargo then resolves the dependencies' features once for both, and
# scripts/build-wheel-aarch64.sh --profile arm64-check reuses them instead of compiling every
# dependency for aarch64 a second time (the two builds alone differ in 24 units: uuid, nom, ...).
# PYO3_BUILD_EXTENSION_MODULE as maturin sets it: no libpython to link, and the same pyo3 build.
build_arm64() {
    PYO3_BUILD_EXTENSION_MODULE=1 scripts/build-aarch64.sh -p retort-lambda --profile arm64-check -- --lib --bins \
        -p retort-python --locked --no-default-features >&2
}
ensure_sam() {
    .venv-sam/bin/sam --version >/dev/null 2>&1 && return 0
    log "installing aws-sam-cli into .venv-sam"
    python3 -m venv .venv-sam
    .venv-sam/bin/pip install -q --upgrade pip
    .venv-sam/bin/pip install -q aws-sam-cli
}
case "${1:-}" in
    --prepare) ensure_sam; exit 0 ;;
    --build-arm64) build_arm64; exit 0 ;;
    "") ;;
    *) log "unknown argument $1"; exit 2 ;;
esac

for bin in bootstrap lambda-emulator retort; do
    [ -x "target/release/$bin" ] || { log "target/release/$bin missing: run cargo build --release --workspace first"; exit 1; }
done

# 1. SAM template
ensure_sam
log "sam validate --lint ($(.venv-sam/bin/sam --version))"
AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 \
    .venv-sam/bin/sam validate --lint --template host-lambda/template.yaml >&2

# 2. The x86_64 zip: layout and modes as Lambda needs them.
scripts/package-lambda.sh --arch x86_64 --profile release --out target/dist >&2
python3 - target/dist/retort-lambda-x86_64.zip <<'PY'
import stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = {i.filename: i for i in z.infolist()}
assert set(names) == {"bootstrap", "model.retort"}, names
mode = names["bootstrap"].external_attr >> 16
assert stat.S_ISREG(mode) and mode & 0o777 == 0o755, oct(mode)
print(f"[test-lambda] zip ok: {sorted(names)}, bootstrap mode {oct(mode & 0o777)}", file=sys.stderr)
PY

# 3. arm64 under qemu: the same invocation as on x86_64.
if [ "${SKIP_AARCH64:-0}" = 1 ]; then
    log "SKIP_AARCH64=1: arm64 check skipped"
    exit 0
fi
command -v qemu-aarch64-static >/dev/null || retort_apt_install qemu-user-static
build_arm64
arm_bin="$root/target/aarch64/aarch64-unknown-linux-gnu/arm64-check/bootstrap"
retort_check_glibc "$arm_bin" arm64
wrapper="$root/target/dist/bootstrap-arm64-qemu"
printf '#!/bin/sh\nexec qemu-aarch64-static -L /usr/aarch64-linux-gnu "%s" "$@"\n' "$arm_bin" > "$wrapper"
chmod +x "$wrapper"
python3 - "$root" "$wrapper" <<'PY'
import json, os, subprocess, sys, urllib.request
root, arm = sys.argv[1], sys.argv[2]
env = dict(os.environ, MODEL_PATH=f"{root}/host-cli/assets/default.retort", AWS_REGION="us-east-1")
request = {"inputs": ["CC(C)=O.COc1ccc(S(=O)(=O)Cl)cc1", "c1ccccc1O"], "options": {"beam_size": 5, "n_best": 3}}

def answer(bootstrap):
    emu = subprocess.Popen([f"{root}/target/release/lambda-emulator", "--bootstrap", bootstrap],
                           stdout=subprocess.PIPE, env=env, text=True)
    try:
        port = json.loads(emu.stdout.readline())["port"]
        req = urllib.request.Request(f"http://127.0.0.1:{port}/2015-03-31/functions/retort/invocations",
                                     data=json.dumps(request).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=600) as r:
            assert r.headers.get("X-Amz-Function-Error") is None, r.read()
            return json.loads(r.read())
    finally:
        emu.terminate()
        emu.wait(10)

x86, arm = answer(f"{root}/target/release/bootstrap"), answer(arm)
for a, b in zip(x86["results"], arm["results"]):
    for p, q in zip(a["predictions"], b["predictions"]):
        assert p["tokens"] == q["tokens"], (p["text"], q["text"])
        assert abs(p["score"] - q["score"]) <= 1e-4, (p["score"], q["score"])
print(f"[test-lambda] arm64 bootstrap under qemu answers like x86_64: "
      f"{sum(len(r['predictions']) for r in arm['results'])} predictions equal", file=sys.stderr)
PY
log "all Lambda checks passed"
