#!/usr/bin/env bash
# The Lambda function's soak (issue #13): the hostile-event table, then N invocations of mixed
# good and bad events through the emulator with the function held to 512 MiB of address space;
# prints the resident memory after the first tenth and at the end.
# Usage: scripts/soak-lambda.sh [INVOCATIONS]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p retort-dev-tools -p retort-cli
SOAK_INVOCATIONS="${1:-10000}" cargo test --release --locked -p retort-lambda --test hostile_events -- --nocapture
