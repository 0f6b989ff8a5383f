"""Bad arguments raise TypeError or ValueError naming the argument; nothing panics."""

import pytest

import retort

GOOD = ["CC(=O)Cl.OCC"]


@pytest.mark.parametrize(
    "kwargs,error,words",
    [
        ({"beam_size": 0}, ValueError, "beam_size"),
        ({"beam_size": -1}, ValueError, "beam_size"),
        ({"beam_size": "5"}, TypeError, "beam_size"),
        ({"beam_size": 2.0}, TypeError, "beam_size"),
        ({"beam_size": 10**30}, ValueError, "beam_size"),
        ({"beam_size": 1000}, ValueError, "beam_size"),
        ({"beam_size": 2, "num_hypotheses": 3}, ValueError, "num_hypotheses"),
        ({"num_hypotheses": 0}, ValueError, "num_hypotheses"),
        ({"max_decoding_length": 0}, ValueError, "max_decoding_length"),
        ({"min_decoding_length": 9, "max_decoding_length": 5}, ValueError, "min_decoding_length"),
        ({"length_penalty": 0.5}, ValueError, "length_penalty"),
        ({"length_penalty": "long"}, ValueError, "length_penalty"),
        ({"length_penalty": [1]}, TypeError, "length_penalty"),
        ({"coverage_penalty": 0.3}, ValueError, "beta"),
        ({"alpha": -1.0}, ValueError, "alpha"),
        ({"alpha": "x"}, TypeError, "alpha"),
        ({"sampling_topp": 0.0}, ValueError, "sampling_topp"),
        ({"sampling_temperature": 0}, ValueError, "sampling_temperature"),
        ({"replace_unknowns": 1}, TypeError, "replace_unknowns"),
        ({"return_attention": "yes"}, TypeError, "return_attention"),
        ({"max_batch_size": 5000}, ValueError, "max_batch_size"),
        ({"unknown_tokens": "drop"}, ValueError, "unknown_tokens"),
        ({"beam_sizes": 5}, TypeError, "beam_sizes"),
    ],
)
def test_bad_options_name_the_argument(translator, kwargs, error, words):
    with pytest.raises(error, match=words):
        translator.translate_batch(GOOD, **kwargs)


def test_messages_use_the_python_names(translator):
    # the bundle's beam 5 against an explicit num_hypotheses 6: the core's n_best, renamed
    with pytest.raises(ValueError, match=r"^num_hypotheses: 6 exceeds beam_size 5$"):
        translator.translate_batch(GOOD, num_hypotheses=6)
    with pytest.raises(ValueError, match=r"^min_decoding_length: 2 exceeds max_decoding_length 1$"):
        translator.translate_batch(GOOD, max_decoding_length=1, min_decoding_length=2)


@pytest.mark.parametrize(
    "source,error,words",
    [
        ("CCO", TypeError, "source must be a list"),
        (b"CCO", TypeError, "source must be a list"),
        (5, TypeError, "source must be a list"),
        ([5], TypeError, r"source\[0\]"),
        (["CCO", ["C", 1]], TypeError, r"source\[1\]"),
        (["CCO", b"CC"], TypeError, r"source\[1\]"),
        (["CCO", "  "], ValueError, r"source\[1\]: empty input"),
        (["CCO", []], ValueError, r"source\[1\]"),
        (["CCO", ["C C"]], ValueError, r"source\[1\].*whitespace"),
        (["CC\x00O"], ValueError, r"source\[0\].*control character"),
        (["C" * 100_000], ValueError, r"source\[0\].*positions"),
    ],
)
def test_bad_sources_name_the_input(translator, source, error, words):
    with pytest.raises(error, match=words):
        translator.translate_batch(source)


def test_bad_target_prefixes(translator):
    with pytest.raises(ValueError, match="target_prefix: 1 prefixes for 2 sources"):
        translator.translate_batch(["CCO", "CC"], target_prefix=["C"])
    with pytest.raises(TypeError, match=r"target_prefix\[0\]"):
        translator.translate_batch(["CCO"], target_prefix=[3])
    with pytest.raises(ValueError, match=r"source\[0\].*'Xx'.*target vocabulary"):
        translator.translate_batch(["CCO"], target_prefix=[["Xx"]])


def test_unknown_tokens_map_or_refuse(translator):
    (r,) = translator.translate_batch(["CC[Te]O"])
    assert r.unknown_source_tokens == ["[Te]"]
    with pytest.raises(ValueError, match=r"source\[1\].*'\[Te\]'"):
        translator.translate_batch(["CCO", "CC[Te]O"], unknown_tokens="refuse")


def test_empty_batch(translator):
    assert translator.translate_batch([]) == []


@pytest.mark.parametrize(
    "kwargs,error,words",
    [
        ({"model": 123}, TypeError, "model must be"),
        ({"model": "/nonexistent/model.retort"}, FileNotFoundError, "model: cannot read '/nonexistent/model.retort'"),
        ({"model": b"not a bundle"}, ValueError, "model <bytes>"),
        ({"compute_type": "int4"}, ValueError, "compute_type.*int8"),
        ({"compute_type": 8}, TypeError, "compute_type"),
        ({"intra_threads": -1}, ValueError, "intra_threads"),
        ({"intra_threads": 100_000}, ValueError, "intra_threads"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        retort.Translator(**kwargs)


def test_a_truncated_bundle_is_refused(root):
    data = (root / "host-cli" / "assets" / "default.retort").read_bytes()
    with pytest.raises(ValueError, match="model <bytes>"):
        retort.Translator(data[: len(data) // 2])


def test_import_errors_name_the_problem(root, tmp_path):
    out = tmp_path / "x.retort"
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        retort.import_model(tmp_path / "missing.pt", out)
    src = root / "fixtures" / "onmt12-unk" / "model.pt"
    with pytest.raises(ValueError, match="tokenizer"):
        retort.import_model(src, out, tokenizer="bpe")
    with pytest.raises(ValueError, match="storage"):
        retort.import_model(src, out, storage="int4")
    with pytest.raises(ValueError, match="max_positions: 1 is outside"):
        retort.import_model(src, out, max_positions=1)
    with pytest.raises(ValueError, match="tokenizer: does not apply to a Retort bundle"):
        retort.import_model(root / "host-cli" / "assets" / "default.retort", out, tokenizer="char")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="cannot import"):
        retort.import_model(garbage, out)
    with pytest.raises(TypeError, match="dst must be"):
        retort.import_model(src, 5)
    assert not out.exists(), "a failed import must leave no file"
