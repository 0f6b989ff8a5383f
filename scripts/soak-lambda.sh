#!/usr/bin/env bash
# The Lambda function's soak (issue #13): the hostile-event table, then N invocations of mixed
# good and bad events through the emulator with the function held to 512 MiB of address space;
# prints the resident memory after the first tenth and at the end.
# Usage: scripts/soak-lambda.sh [INVOCATIONS]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
# --workspace: the same features as the test suite's build (so nothing is rebuilt), and the
# emulator binary built alongside.
SOAK_INVOCATIONS="${1:-10000}" cargo test --release --locked --workspace --test hostile_events -- --nocapture
