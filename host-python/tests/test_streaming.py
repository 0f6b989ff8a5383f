"""translate_iterable reads lazily and yields in input order."""

import itertools

import pytest


def test_results_in_order_and_equal_to_batch(translator, reactions):
    stream = list(translator.translate_iterable(iter(reactions), max_batch_size=7, num_hypotheses=2))
    batch = translator.translate_batch(reactions, num_hypotheses=2)
    assert [(r.hypotheses, r.scores) for r in stream] == [(r.hypotheses, r.scores) for r in batch]
    assert [r.source_tokens for r in stream] == [translator.tokenize(s) for s in reactions]


def test_reads_only_what_it_needs(translator, reactions):
    read = []

    def endless():
        for k in itertools.count():
            read.append(k)
            yield reactions[k % len(reactions)]

    results = translator.translate_iterable(endless(), max_batch_size=4, beam_size=1)
    assert read == [], "nothing is read before the first result is asked for"
    first = next(results)
    assert len(read) == 4
    for _ in range(3):
        next(results)
    assert len(read) == 4
    next(results)
    assert len(read) == 8
    assert first.texts == translator.translate_batch(reactions[:1], beam_size=1)[0].texts


def test_prefixes_stream_alongside(translator, reactions):
    prefixes = ["C" if k % 2 else None for k in range(10)]
    stream = list(translator.translate_iterable(reactions[:10], target_prefix=iter(prefixes), max_batch_size=3))
    batch = translator.translate_batch(reactions[:10], target_prefix=prefixes)
    assert [r.hypotheses for r in stream] == [r.hypotheses for r in batch]


def test_an_error_names_the_stream_position_and_ends_the_iteration(translator, reactions):
    items = reactions[:10] + [""] + reactions[:10]
    it = translator.translate_iterable(items, max_batch_size=4)
    got = [next(it) for _ in range(8)]
    assert len(got) == 8
    with pytest.raises(ValueError, match=r"source\[10\]: empty input"):
        next(it)
    assert list(it) == []


def test_bad_stream_arguments(translator):
    with pytest.raises(TypeError, match="source must be a list"):
        translator.translate_iterable("CCO")
    with pytest.raises(ValueError, match="max_batch_size"):
        translator.translate_iterable(["CCO"], max_batch_size=0)
    with pytest.raises(ValueError, match="beam_size"):
        translator.translate_iterable(["CCO"], beam_size=0)
    with pytest.raises(ValueError, match=r"target_prefix: ran out before source\[1\]"):
        list(translator.translate_iterable(["CCO", "CC"], target_prefix=[None]))
