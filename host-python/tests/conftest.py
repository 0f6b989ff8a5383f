"""Shared fixtures: the repository, the CLI the parity tests compare with, a translator on the
built-in default model."""

import json
import os
import pathlib
import subprocess

import pytest

import retort

ROOT = pathlib.Path(__file__).resolve().parents[2]


def cli_path():
    path = os.environ.get("RETORT_CLI") or str(ROOT / "target" / "release" / "retort")
    if not os.access(path, os.X_OK):
        pytest.fail(f"the CLI is missing at {path}: build it (cargo build --release -p retort-cli) or set RETORT_CLI")
    return path


def run_cli(*args, stdin=None):
    """Runs `retort ARGS`; returns stdout, failing the test with stderr when it fails."""
    proc = subprocess.run([cli_path(), *map(str, args)], input=stdin, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"retort {' '.join(map(str, args))} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout


def cli_translate(inputs, *flags, model=None):
    """The CLI's answers (`--format jsonl`), one dict per input."""
    args = ["translate", "--format", "jsonl", *flags]
    if model is not None:
        args += ["-m", model]
    out = run_cli(*args, stdin="".join(line + "\n" for line in inputs))
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def translator():
    return retort.Translator()


@pytest.fixture(scope="session")
def reactions():
    """The README's example inputs and the first golden-fixture sources (space-tokenized, as the
    seed wrote them), 45 in all."""
    examples = (ROOT / "examples" / "reactions.smi").read_text().split("\n")
    golden = (ROOT / "fixtures" / "golden" / "inputs.txt").read_text().split("\n")[:40]
    return [line for line in examples + golden if line.strip()]
