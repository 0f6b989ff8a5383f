"""Writes tiny synthetic OpenNMT-py-shaped checkpoints (random weights, real layouts) for
model-import's option tests (tests/opennmt_variants.rs): the variants the real fixtures do not
cover, and options that must be refused.

Needs torch only (OpenNMT-py and torchtext are not imported: stand-in classes with the same
module and class names are registered, so the pickles name `torchtext.vocab.Vocab` etc. as
real checkpoints do). Run: `.venv-fixtures-torch/bin/python make_onmt_synthetic.py` here.
"""
import argparse
import collections
import math
import sys
import types

import torch

D, FF, HEADS, LAYERS = 8, 16, 2, 1
SPECIALS_1X = ["<unk>", "<blank>", "<s>", "</s>"]
TOKENS = ["C", "O", "N", "(", ")", "=", "c", "1"]


def fake_module(name, *classes):
    mod = types.ModuleType(name)
    for c in classes:
        c.__module__ = name
        setattr(mod, c.__name__, c)
    sys.modules[name] = mod
    return mod


class Vocab:
    pass


class Field:
    pass


class TextMultiField:
    pass


fake_module("torchtext", )
fake_module("torchtext.vocab", Vocab)
fake_module("torchtext.data", )
fake_module("torchtext.data.field", Field)
fake_module("onmt", )
fake_module("onmt.inputters", )
fake_module("onmt.inputters.text_dataset", TextMultiField)


def unk_index():
    return 0


def vocab(itos):
    v = Vocab()
    v.freqs = collections.Counter({t: 3 for t in itos[4:]})
    v.itos = list(itos)
    v.unk_index = 0
    v.stoi = collections.defaultdict(unk_index, {t: i for i, t in enumerate(itos)})
    v.vectors = None
    return v


def field(itos, init, eos):
    f = Field()
    f.sequential = True
    f.use_vocab = True
    f.init_token = init
    f.eos_token = eos
    f.unk_token = "<unk>"
    f.pad_token = "<blank>"
    f.vocab = vocab(itos)
    return f


def multi(name, fld):
    m = TextMultiField()
    m.fields = [(name, fld)]
    return m


def pe_table(max_len, d):
    pe = torch.zeros(max_len, d)
    position = torch.arange(0, max_len).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2, dtype=torch.float) * -(math.log(10000.0) / d))
    pe[:, 0::2] = torch.sin(position.float() * div_term)
    pe[:, 1::2] = torch.cos(position.float() * div_term)
    return pe.unsqueeze(1)


def linear(sd, name, out, inp, bias):
    sd[name + ".weight"] = torch.randn(out, inp) * 0.3
    if bias:
        sd[name + ".bias"] = torch.randn(out) * 0.1


def norm(sd, name, old_names=False):
    w, b = (".a_2", ".b_2") if old_names else (".weight", ".bias")
    sd[name + w] = 1 + torch.randn(D) * 0.05
    sd[name + b] = torch.randn(D) * 0.05


def state_dict(src_n, tgt_n, qkv_bias=True, ffn_bias=True, pe=True, old_norm_names=False, shared=False):
    sd = collections.OrderedDict()
    src_emb = torch.randn(src_n, D)
    sd["encoder.embeddings.make_embedding.emb_luts.0.weight"] = src_emb
    if pe:
        sd["encoder.embeddings.make_embedding.pe.pe"] = pe_table(50, D)
    for i in range(LAYERS):
        p = f"encoder.transformer.{i}."
        for n in ("linear_keys", "linear_values", "linear_query", "final_linear"):
            linear(sd, p + "self_attn." + n, D, D, qkv_bias)
        linear(sd, p + "feed_forward.w_1", FF, D, ffn_bias)
        linear(sd, p + "feed_forward.w_2", D, FF, ffn_bias)
        norm(sd, p + "feed_forward.layer_norm", old_norm_names)
        norm(sd, p + "layer_norm", old_norm_names)
    norm(sd, "encoder.layer_norm", old_norm_names)
    sd["decoder.embeddings.make_embedding.emb_luts.0.weight"] = src_emb if shared else torch.randn(tgt_n, D)
    if pe:
        sd["decoder.embeddings.make_embedding.pe.pe"] = pe_table(50, D)
    for i in range(LAYERS):
        p = f"decoder.transformer_layers.{i}."
        for att in ("self_attn", "context_attn"):
            for n in ("linear_keys", "linear_values", "linear_query", "final_linear"):
                linear(sd, p + att + "." + n, D, D, qkv_bias)
        linear(sd, p + "feed_forward.w_1", FF, D, ffn_bias)
        linear(sd, p + "feed_forward.w_2", D, FF, ffn_bias)
        norm(sd, p + "feed_forward.layer_norm", old_norm_names)
        norm(sd, p + "layer_norm_1", old_norm_names)
        norm(sd, p + "layer_norm_2", old_norm_names)
    norm(sd, "decoder.layer_norm", old_norm_names)
    return sd


def opt_1x(**kw):
    o = dict(layers=LAYERS, enc_layers=LAYERS, dec_layers=LAYERS, rnn_size=D, word_vec_size=D, heads=HEADS,
             transformer_ff=FF, encoder_type="transformer", decoder_type="transformer", model_type="text",
             position_encoding=True, share_embeddings=False, share_decoder_embeddings=False,
             max_relative_positions=0, self_attn_type="scaled-dot", copy_attn=False,
             generator_function="softmax", data="data/demo")
    o.update(kw)
    return argparse.Namespace(**o)


def opt_3x(**kw):
    o = dict(layers=-1, enc_layers=LAYERS, dec_layers=LAYERS, hidden_size=D, word_vec_size=D, heads=HEADS,
             transformer_ff=FF, encoder_type="transformer", decoder_type="transformer", model_type="text",
             position_encoding=True, position_encoding_type="SinusoidalInterleaved", share_embeddings=False,
             share_decoder_embeddings=False, max_relative_positions=0, self_attn_type="scaled-dot",
             copy_attn=False, add_qkvbias=False, add_ffnbias=False, layer_norm="standard", norm_eps=1e-6,
             pos_ffn_activation_fn="relu", parallel_residual=False, num_kv=0, num_experts=0, sliding_window=0,
             lora_layers=[], quant_layers=[], quant_type="", data={"corpus_1": {"path_src": "x"}})
    o.update(kw)
    return argparse.Namespace(**o)


def ckpt_1x(name, opt_kw=None, vocab_style="fields", sd_kw=None, tie=False, proto=2):
    torch.manual_seed(len(name))
    src_itos = SPECIALS_1X[:2] + TOKENS
    tgt_itos = SPECIALS_1X + TOKENS
    sd = state_dict(len(src_itos), len(tgt_itos), **(sd_kw or {}))
    gen = collections.OrderedDict()
    gen["0.weight"] = sd["decoder.embeddings.make_embedding.emb_luts.0.weight"] if tie else torch.randn(len(tgt_itos), D)
    gen["0.bias"] = torch.randn(len(tgt_itos))
    src_f, tgt_f = field(src_itos, None, None), field(tgt_itos, "<s>", "</s>")
    if vocab_style == "fields":        # 1.x / 2.x: dict of TextMultiFields
        voc = {"src": multi("src", src_f), "tgt": multi("tgt", tgt_f), "indices": Field()}
    elif vocab_style == "field_pairs":  # 0.x: list of (name, Field)
        voc = [("src", src_f), ("tgt", tgt_f), ("indices", Field())]
    elif vocab_style == "vocab_pairs":  # older: list of (name, Vocab)
        voc = [("src", src_f.vocab), ("tgt", tgt_f.vocab)]
    elif vocab_style == "nested":       # dict of lists of (name, Field)
        voc = {"src": [("src", src_f)], "tgt": [("tgt", tgt_f)]}
    opt = opt_1x(**(opt_kw or {}))
    if tie:
        opt.share_decoder_embeddings = True
    obj = {"model": sd, "generator": gen, "vocab": voc, "opt": opt, "epoch": None}
    torch.save(obj, f"onmt_synth/{name}.pt", _use_new_zipfile_serialization=False, pickle_protocol=proto)


def ckpt_3x(name, opt_kw=None, sd_kw=None, vocab_kw=None, shared=False):
    torch.manual_seed(len(name))
    src = ["<unk>", "<blank>", "<s>", "</s>"] + TOKENS
    tgt = ["<unk>", "<blank>", "<s>", "</s>"] + TOKENS[:4]
    if shared:
        tgt = src
    src += ["averyunlikelytoken%d" % i for i in range(-len(src) % 8)]
    tgt = list(tgt) + ["averyunlikelytoken%d" % i for i in range(-len(tgt) % 8)]
    kw = dict(qkv_bias=False, ffn_bias=False, pe=True, shared=shared)
    kw.update(sd_kw or {})
    sd = state_dict(len(src), len(tgt), **kw)
    gen = {"weight": torch.randn(len(tgt), D), "bias": torch.randn(len(tgt))}
    voc = {"src": src, "tgt": tgt, "data_task": "seq2seq", "decoder_start_token": "<s>"}
    voc.update(vocab_kw or {})
    opt_kw = dict(opt_kw or {})
    if shared:
        opt_kw["share_embeddings"] = True
    obj = {"model": sd, "generator": gen, "vocab": voc, "opt": opt_3x(**opt_kw), "optim": None}
    torch.save(obj, f"onmt_synth/{name}.pt")


if __name__ == "__main__":
    # accepted variants
    ckpt_1x("v1_fields_tied", tie=True)
    ckpt_1x("v0_field_pairs", vocab_style="field_pairs", sd_kw=dict(old_norm_names=True), proto=2)
    ckpt_1x("v0_vocab_pairs", vocab_style="vocab_pairs", proto=1)  # protocol 0 cannot hold torch storages
    ckpt_1x("v1_nested", vocab_style="nested")
    ckpt_1x("v1_no_pe", sd_kw=dict(pe=False))
    ckpt_3x("v3_gelu_bias", opt_kw=dict(pos_ffn_activation_fn="gelu", add_qkvbias=True, add_ffnbias=True,
                                        norm_eps=1e-5), sd_kw=dict(qkv_bias=True, ffn_bias=True))
    ckpt_3x("v3_shared", shared=True)
    # refused options
    ckpt_1x("bad_rnn", opt_kw=dict(encoder_type="rnn"))
    ckpt_1x("bad_relative", opt_kw=dict(max_relative_positions=20))
    ckpt_1x("bad_aan", opt_kw=dict(self_attn_type="average"))
    ckpt_1x("bad_copy", opt_kw=dict(copy_attn=True))
    ckpt_1x("bad_no_position", opt_kw=dict(position_encoding=False), sd_kw=dict(pe=False))
    ckpt_3x("bad_rms", opt_kw=dict(layer_norm="rms"))
    ckpt_3x("bad_silu", opt_kw=dict(pos_ffn_activation_fn="silu"))
    ckpt_3x("bad_parallel", opt_kw=dict(parallel_residual=True))
    ckpt_3x("bad_num_kv", opt_kw=dict(num_kv=1))
    ckpt_3x("bad_rotary", opt_kw=dict(max_relative_positions=-1))
    ckpt_3x("bad_lm", vocab_kw=dict(data_task="lm"))
