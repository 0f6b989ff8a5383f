"""translate_batch answers as `retort translate` does: same tokens, texts, scores bit for bit,
same attention."""

import struct

import pytest

import retort
from conftest import cli_translate


def f32(x):
    """x rounded to float32: the CLI prints attention as f32, Python receives it widened."""
    return struct.unpack("f", struct.pack("f", x))[0]


def assert_same(results, answers, attention=False):
    assert len(results) == len(answers)
    for i, (r, a) in enumerate(zip(results, answers)):
        preds = a["predictions"]
        assert r.hypotheses == [p["tokens"] for p in preds], i
        assert r.texts == [p["text"] for p in preds], i
        # bit for bit: the CLI's JSON floats round-trip f64 exactly
        assert r.scores == [p["score"] for p in preds], i
        assert r.source_tokens == a["source_tokens"], i
        if attention:
            assert len(r.attention) == len(preds)
            for got, p in zip(r.attention, preds):
                assert [[f32(x) for x in row] for row in got] == [[f32(x) for x in row] for row in p["attention"]], i
        else:
            assert r.attention == []


def test_default_model_beam5_nbest3_with_attention(translator, reactions):
    results = translator.translate_batch(reactions, beam_size=5, num_hypotheses=3, return_attention=True)
    answers = cli_translate(reactions, "--beam-size", "5", "--n-best", "3", "--attention")
    assert_same(results, answers, attention=True)
    assert all(len(r.hypotheses) == 3 for r in results)


def test_bundle_defaults_apply_when_options_are_left_out(translator, reactions):
    # no decoding flags on either side: both use the bundle's defaults
    assert_same(translator.translate_batch(reactions), cli_translate(reactions))


@pytest.mark.parametrize(
    "kwargs,flags",
    [
        ({"beam_size": 1}, ["--beam-size", "1"]),
        (
            {"beam_size": 4, "num_hypotheses": 4, "length_penalty": "wu", "alpha": 0.6},
            ["--beam-size", "4", "--n-best", "4", "--length-penalty", "wu", "--alpha", "0.6"],
        ),
        ({"length_penalty": 1, "num_hypotheses": 2}, ["--length-penalty", "avg", "--n-best", "2"]),
        (
            {"min_decoding_length": 8, "max_decoding_length": 20, "no_repeat_ngram_size": 3},
            ["--min-length", "8", "--max-length", "20", "--block-ngram-repeat", "3"],
        ),
        ({"coverage_penalty": "summary", "beta": 0.2}, ["--coverage-penalty", "summary", "--beta", "0.2"]),
        (
            {"beam_size": 1, "sampling_topk": 5, "sampling_temperature": 0.7, "seed": 11},
            ["--beam-size", "1", "--sampling", "--sampling-topk", "5", "--sampling-temperature", "0.7", "--seed", "11"],
        ),
    ],
)
def test_options_map_to_the_cli_flags(translator, reactions, kwargs, flags):
    assert_same(translator.translate_batch(reactions, **kwargs), cli_translate(reactions, *flags))


def test_token_lists_and_raw_text_are_one_input(translator):
    raw = translator.translate_batch(["CC(=O)Cl.OCC"])[0]
    tokens = translator.translate_batch([["C", "C", "(", "=", "O", ")", "Cl", ".", "O", "C", "C"]])[0]
    assert raw.source_tokens == tokens.source_tokens == translator.tokenize("CC(=O)Cl.OCC")
    assert (raw.hypotheses, raw.scores) == (tokens.hypotheses, tokens.scores)


def test_target_prefix_as_the_cli(translator, reactions, tmp_path):
    sources = reactions[:6]
    prefixes = ["C C", None, ["c", "1"], "", "O", "C"]
    results = translator.translate_batch(sources, target_prefix=prefixes, num_hypotheses=2)
    lines = ["C C", "", "c 1", "", "O", "C"]
    prefix_file = tmp_path / "prefixes.txt"
    prefix_file.write_text("".join(line + "\n" for line in lines))
    assert_same(results, cli_translate(sources, "--n-best", "2", "--target-prefix", prefix_file))
    assert results[0].hypotheses[0][:2] == ["C", "C"]
    assert results[2].hypotheses[0][:2] == ["c", "1"]


def test_return_scores_false_leaves_scores_empty(translator):
    (r,) = translator.translate_batch(["CCO"], return_scores=False)
    assert r.scores == [] and r.texts


def test_imported_checkpoint_replaces_unknowns_as_the_cli_and_opennmt(root, tmp_path):
    """fixtures/onmt12-unk emits <unk>, which replace_unknowns copies from the source: the
    golden fixture is OpenNMT-py 1.2's answer."""
    import json

    bundle = tmp_path / "unk.retort"
    info = retort.import_model(root / "fixtures" / "onmt12-unk" / "model.pt", bundle)
    assert info["path"] == str(bundle) and info["provenance"]["source_name"] == "model.pt"
    golden = json.loads((root / "fixtures" / "golden" / "onmt12-unk-replace-unk.json").read_text())
    cases = golden["cases"][:12]
    sources = [c["source"] for c in cases]
    t = retort.Translator(bundle)
    results = t.translate_batch(sources, beam_size=5, num_hypotheses=5, replace_unknowns=True)
    assert_same(results, cli_translate(sources, "--beam-size", "5", "--n-best", "5", "--replace-unk", model=bundle))
    replaced = 0
    for r, c in zip(results, cases):
        assert r.hypotheses == [p["tokens"] for p in c["predictions"]]
        assert r.scores == pytest.approx([p["score"] for p in c["predictions"]], abs=1e-4)
        replaced += sum(len(p["unk_positions"]) for p in c["predictions"])
    assert replaced > 0, "the fixture no longer exercises replacement"
    # without replacement the model's <unk> shows
    plain = t.translate_batch(sources, beam_size=5, num_hypotheses=5, replace_unknowns=False)
    assert any("<unk>" in h for r in plain for h in r.hypotheses)
