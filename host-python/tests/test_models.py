"""Where a model comes from: the built-in default, a path, bytes; import_model and inspect as
the CLI's import and inspect --json."""

import json
import pathlib

import pytest

import retort
from conftest import cli_translate, run_cli

ASSET = pathlib.Path("host-cli") / "assets" / "default.retort"


def test_default_model_is_in_the_wheel(translator):
    assert translator.task == "reaction_prediction"
    assert translator.default_options["beam_size"] >= 1
    (r,) = translator.translate_batch(["CC(=O)Cl.NCc1ccccc1"])
    assert r.texts and r.texts[0]


def test_path_bytes_and_default_are_the_same_model(root, translator, reactions):
    data = (root / ASSET).read_bytes()
    want = [(r.hypotheses, r.scores) for r in translator.translate_batch(reactions[:8])]
    for model in [root / ASSET, str(root / ASSET), data, bytearray(data)]:
        t = retort.Translator(model)
        assert [(r.hypotheses, r.scores) for r in t.translate_batch(reactions[:8])] == want, type(model)


def test_inspect_equals_the_cli(root):
    cli = json.loads(run_cli("inspect", "--json", root / ASSET))
    assert retort.inspect(root / ASSET) == cli
    built_in = retort.inspect()
    cli_built_in = json.loads(run_cli("inspect", "--json"))
    assert built_in == cli_built_in
    assert built_in["path"] == "<built-in default model>"


def test_import_checkpoint_as_the_cli(root, tmp_path):
    src = root / "fixtures" / "onmt12-unk" / "model.pt"
    ours, theirs = tmp_path / "py.retort", tmp_path / "cli.retort"
    info = retort.import_model(src, ours, storage="f16", task="retrosynthesis", name="toy")
    run_cli("import", src, "-o", theirs, "--storage", "f16", "--task", "retrosynthesis", "--name", "toy")
    assert ours.read_bytes() == theirs.read_bytes()
    assert info["storage"] == "f16" and info["task"] == "retrosynthesis" and info["name"] == "toy"
    assert info == retort.inspect(ours)


def test_restore_a_bundle_as_int8(root, tmp_path):
    out = tmp_path / "int8.retort"
    info = retort.import_model(root / ASSET, out, storage="int8")
    assert info["storage"].startswith("int8")
    assert any(n.startswith("re-stored as int8 from default.retort") for n in info["provenance"]["notes"])
    t = retort.Translator(out)
    assert t.compute_type == "int8"  # auto: as stored
    (r,) = t.translate_batch(["CCO.CC(=O)Cl"])
    assert r.texts
    assert retort.Translator(out, compute_type="float32").compute_type == "float32"


def test_int8_compute_matches_the_cli(root, reactions):
    # the same engine and kernels as `retort translate --compute-type int8`: the same answers
    t = retort.Translator(root / ASSET, compute_type="int8_float32")
    assert t.compute_type == "int8"
    assert retort.Translator(root / ASSET).compute_type == "float32"
    got = t.translate_batch(reactions[:8], beam_size=5, num_hypotheses=3)
    want = cli_translate(reactions[:8], "--beam-size", "5", "--n-best", "3", "--compute-type", "int8", model=root / ASSET)
    for r, w in zip(got, want):
        assert r.hypotheses == [p["tokens"] for p in w["predictions"]]
        assert r.scores == pytest.approx([p["score"] for p in w["predictions"]], abs=1e-9)


def test_help_reads_like_a_reference():
    text = retort.Translator.__doc__ + retort.Translator.translate_batch.__doc__
    for word in ["intra_threads", "compute_type", "num_hypotheses", "max_decoding_length", "replace_unknowns"]:
        assert word in text
    assert retort.Translator.__text_signature__ == "(model=None, compute_type='auto', intra_threads=0)"
    assert "beam_size=None" in retort.Translator.translate_batch.__text_signature__
    assert retort.__version__
