#!/usr/bin/env python3
"""Weight shards from train.py -> an OpenNMT-py 3.x checkpoint (`.pt`), as `onmt_train` writes it.

    .venv-train/bin/python tools/train/make_checkpoint.py --shards DIR --vocab tools/train/.work/vocab.json \
        -o tools/train/.work/molecular_transformer_uspto.pt

The dict is OpenNMT-py 3.x's: `model` (state dict without the generator; the decoder's embedding
is the encoder's tensor, as with `share_embeddings`), `generator` (`weight`, `bias`), `vocab`
(`{'src': [...], 'tgt': [...], 'decoder_start_token': '<s>', 'data_task': 'seq2seq'}`) and `opt`
(an `argparse.Namespace` of the training options that define the model), `optim` None.
No position tables are stored: OpenNMT-py recomputes them, and so does `retort import`.
"""
import argparse
import glob
import json
import os
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mt_model import MolecularTransformer  # noqa: E402

SHARED_EMB = "encoder.embeddings.make_embedding.emb_luts.0.weight"
DEC_EMB = "decoder.embeddings.make_embedding.emb_luts.0.weight"


def model_options(shape, metrics):
    """The options OpenNMT-py 3.x records in `opt` for this model (names and values as its own)."""
    return argparse.Namespace(
        model_task="seq2seq",
        model_type="text",
        encoder_type="transformer",
        decoder_type="transformer",
        layers=-1,
        enc_layers=shape["layers"],
        dec_layers=shape["layers"],
        hidden_size=shape["dim"],
        enc_hid_size=shape["dim"],
        dec_hid_size=shape["dim"],
        word_vec_size=shape["dim"],
        src_word_vec_size=shape["dim"],
        tgt_word_vec_size=shape["dim"],
        heads=shape["heads"],
        transformer_ff=shape["ff"],
        position_encoding=True,
        position_encoding_type="SinusoidalInterleaved",
        max_relative_positions=0,
        share_embeddings=True,
        share_decoder_embeddings=False,
        share_vocab=True,
        add_qkvbias=True,
        add_ffnbias=True,
        layer_norm="standard",
        norm_eps=1e-6,
        pos_ffn_activation_fn="relu",
        self_attn_type="scaled-dot",
        parallel_residual=False,
        num_kv=0,
        generator_function="softmax",
        copy_attn=False,
        global_attention="general",
        dropout=[0.1],
        attention_dropout=[0.1],
        param_init_glorot=True,
        optim="adam",
        adam_beta1=0.9,
        adam_beta2=0.998,
        label_smoothing=0.0,
        train_steps=metrics.get("steps"),
        seed=42,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shards", required=True, help="folder with weights-*.safetensors (and metrics.json)")
    ap.add_argument("--vocab", required=True)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    vocab = json.load(open(args.vocab))
    files = sorted(glob.glob(os.path.join(args.shards, "weights-*.safetensors")))
    if not files:
        raise SystemExit(f"no weights-*.safetensors in {args.shards}")
    state = {}
    for f in files:
        state.update(load_file(f))
    metrics_path = os.path.join(args.shards, "metrics.json")
    metrics = json.load(open(metrics_path)) if os.path.exists(metrics_path) else {}

    # Load into the model first: a missing or misshapen tensor fails here, not in the importer.
    model = MolecularTransformer(len(vocab))
    state[DEC_EMB] = state[SHARED_EMB]
    model.load_state_dict(state, strict=True)
    model_sd, generator_sd = model.checkpoint_state()
    checkpoint = {
        "model": model_sd,
        "generator": generator_sd,
        "vocab": {"src": vocab, "tgt": vocab, "decoder_start_token": "<s>", "data_task": "seq2seq"},
        "opt": model_options(model.shape, metrics),
        "optim": None,
    }
    torch.save(checkpoint, args.output)
    print(f"wrote {args.output} ({os.path.getsize(args.output)} bytes, {sum(v.numel() for v in state.values())} values)")


if __name__ == "__main__":
    main()
