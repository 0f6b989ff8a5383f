"""Writes the small pickles model-import's pickle VM tests read (tests/pickle_vm.rs).

Run with any Python 3: `python3 make_pickles.py` in this folder. The .pkl files are
committed, so tests need no Python; this script documents how they were made.
"""
import argparse
import collections
import pickle


class Opaque:
    """A class the Rust reader does not know: it must become an opaque object."""

    def __init__(self):
        self.name = "thing"
        self.items = [1, 2, 3]


def default_unk_index():
    return 0


def write(name, obj, protocol):
    with open(name, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def shared():
    # `a` is fetched from the memo (inside `b`) before its own items are appended: a reader
    # that copies lists on fetch sees it empty.
    a = []
    b = [a]
    a.append(b)
    a.append("tail")
    l = [1, 2, 3]
    d = {}
    d["self"] = [d]
    return {"cycle": a, "twice": (l, l), "dict_cycle": d}


def containers():
    od = collections.OrderedDict([("z", 1), ("a", 2)])
    dd = collections.defaultdict(int, {"x": 1, "y": 2})
    stoi = collections.defaultdict(default_unk_index, {"<unk>": 0, "<blank>": 1, "C": 2})
    return {
        "od": od,
        "dd": dd,
        "stoi": stoi,
        "counter": collections.Counter({"C": 5, "O": 2}),
        "set": {1, 2, 3},
        "frozenset": frozenset(["a"]),
        "ns": argparse.Namespace(layers=6, rnn_size=256, share_embeddings=True, position_encoding=True,
                                 dropout=[0.1], self_attn_type="scaled-dot", learning_rate=2.0),
        "obj": Opaque(),
        "big": 2 ** 80 + 7,
        "neg": -(2 ** 70),
        "small": [-1, 0, 255, 256, 65535, 65536, -2 ** 31, 2 ** 63 - 1],
        "float": 1.5e-6,
        "text": "h\u00e9llo \u2603 \U0001F600",
        "bytes": b"\x00\x01\xff",
        "tuples": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
        "none": None,
        "bools": [True, False],
        # dict keys of several types, and a key set twice
        "keys": {1: "int", "1": "str", (1, 2): "tuple", None: "none"},
    }


if __name__ == "__main__":
    for p in (0, 1, 2, 3, 4, 5):
        write(f"containers_p{p}.pkl", containers(), p)
    for p in (0, 2, 4):
        write(f"shared_p{p}.pkl", shared(), p)
    # Not a pickle at all, and a pickle cut short.
    with open("containers_p2.pkl", "rb") as f:
        data = f.read()
    with open("truncated_p2.pkl", "wb") as f:
        f.write(data[: len(data) // 2])
