"""One Translator shared by several Python threads gives each the answers it gives alone."""

import threading

import retort


def answers(results):
    return [(r.hypotheses, r.scores) for r in results]


def test_threads_sharing_one_translator_agree(translator, reactions):
    expected = answers(translator.translate_batch(reactions, num_hypotheses=2))
    got, errors = {}, []

    def work(k):
        try:
            # each thread its own slice order, so the threads decode different batches at once
            order = reactions[k:] + reactions[:k]
            out = answers(translator.translate_batch(order, num_hypotheses=2))
            got[k] = out[len(reactions) - k :] + out[: len(reactions) - k]
        except Exception as e:  # reported below: a thread's exception is otherwise lost
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(got) == [0, 1, 2, 3]
    for k in got:
        assert got[k] == expected, k


def test_decoding_releases_the_gil(translator, reactions):
    """A pure-Python thread keeps running while another decodes."""
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(1)
            done.wait(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    before = len(ticks)
    translator.translate_batch(reactions * 2, beam_size=5)
    during = len(ticks) - before
    done.set()
    t.join()
    assert during > 5, f"the ticker ran {during} times while decoding"


def test_own_thread_pool_gives_the_same_answers(translator, reactions):
    one = retort.Translator(intra_threads=1)
    assert answers(one.translate_batch(reactions)) == answers(translator.translate_batch(reactions))
