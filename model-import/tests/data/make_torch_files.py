"""Writes the small torch.save files model-import's torch-format tests read (tests/torch_formats.rs).

Needs torch: `.venv-fixtures-torch/bin/python make_torch_files.py` in this folder. The files
are committed, so tests need neither Python nor torch.
"""
import argparse
import collections
import io
import json

import torch


def objects():
    torch.manual_seed(0)
    base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 8.0
    shared = torch.randn(2, 5)
    state = collections.OrderedDict()
    state["contiguous"] = base
    state["transposed"] = base.transpose(0, 2)          # non-contiguous
    state["sliced"] = base[1, 1:, ::2]                   # offset and strides
    state["half"] = (base * 3).half()
    state["bfloat16"] = (base - 1).bfloat16()
    state["double"] = base.double() / 3
    state["long"] = torch.tensor([[1, -2, 3], [2 ** 40, 0, -(2 ** 40)]], dtype=torch.int64)
    state["shared_row0"] = shared[0]                     # two views of one storage
    state["shared_row1"] = shared[1]
    state["shared_t"] = shared.t()
    state["scalar"] = torch.tensor(2.5)
    state["empty"] = torch.zeros(0, 3)
    param = torch.nn.Parameter(torch.ones(2, 2) * 0.25)
    optim = {
        "state": collections.defaultdict(dict, {0: {"step": 3, "exp_avg": torch.full((2, 2), 0.5)}}),
        "param_groups": [{"lr": 2.0, "params": [0]}],
    }
    obj = {
        "model": state,
        "param": param,
        "opt": argparse.Namespace(layers=2, heads=4, share_embeddings=False),
        "optim": optim,
        "tied": [shared, shared],
    }
    expected = {}
    for k, v in list(state.items()) + [("param", param.detach())]:
        expected[k] = {"shape": list(v.shape), "values": v.double().flatten().tolist()}
    return obj, expected


if __name__ == "__main__":
    obj, expected = objects()
    torch.save(obj, "torch_zip.pt")
    torch.save(obj, "torch_legacy.pt", _use_new_zipfile_serialization=False)
    buf = io.BytesIO()  # the archive's folder is then "archive", not the file stem
    torch.save(obj, buf)
    with open("torch_zip_archive_folder.pt", "wb") as f:
        f.write(buf.getvalue())
    with open("torch_expected.json", "w") as f:
        json.dump(expected, f)
