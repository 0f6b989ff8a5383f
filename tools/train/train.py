#!/usr/bin/env python3
"""Train the built-in Molecular Transformer on the GPU machine, inside a fixed wall-clock budget.

    python3 tools/train/train.py --data tools/train/.work --out "$OUT" --seconds 470

Needs only torch, numpy and safetensors (all on the GPU machine; no network there). Reads
DATA/data.npz and DATA/vocab.json from prepare_uspto.py. Every --ckpt-seconds, and at the end,
writes the averaged (EMA) weights to OUT as f32 safetensors shards of <= 12 MB each (what comes
back from that machine is at most 8 files of 16 MiB), plus train.log and metrics.json.
make_checkpoint.py turns the shards into an OpenNMT-py 3.x checkpoint.

Schedule: linear warm-up, then cosine decay to 5 % of the peak by the end of the time budget
(the number of steps is not known in advance, so the schedule follows elapsed time). Batches
hold up to --batch-tokens padded source+target tokens, drawn from length-sorted buckets; each
epoch every reaction uses one of its source spellings (canonical or random) at random.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mt_model import BOS, EOS, PAD, MolecularTransformer  # noqa: E402

SHARD_BYTES = 12 * 1024 * 1024


def padded(flat, lens, extra_front=None, extra_back=None):
    """Flat ids + lengths -> [N, max_len (+1)] int64 matrix padded with PAD."""
    n = len(lens)
    width = int(lens.max()) + (extra_front is not None) + (extra_back is not None)
    out = np.full((n, width), PAD, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    rows = np.repeat(np.arange(n), lens)
    cols = np.arange(len(flat)) - np.repeat(starts, lens) + (extra_front is not None)
    out[rows, cols] = flat
    if extra_front is not None:
        out[:, 0] = extra_front
    if extra_back is not None:
        out[np.arange(n), lens + (extra_front is not None)] = extra_back
    return out


class Split:
    """One split on the device: sources ([spellings, N, width]), decoder inputs and targets."""

    def __init__(self, z, name, variants, device):
        keys = [f"{name}_src{v}" for v in range(variants)] if variants else [f"{name}_src"]
        self.src_len = np.stack([z[k + "_len"] for k in keys])  # [spellings, N]
        width = int(self.src_len.max())
        mats = [padded(z[k], z[k + "_len"]) for k in keys]
        mats = [np.pad(m, ((0, 0), (0, width - m.shape[1])), constant_values=PAD) for m in mats]
        self.src = torch.from_numpy(np.stack(mats)).to(device)
        tl = z[f"{name}_tgt_len"]
        self.tgt_len = tl
        self.tgt_in = torch.from_numpy(padded(z[f"{name}_tgt"], tl, extra_front=BOS)).to(device)
        self.tgt_out = torch.from_numpy(padded(z[f"{name}_tgt"], tl, extra_back=EOS)).to(device)
        self.n = len(tl)

    def batch(self, idx, variant):
        """Rows idx with spelling variant[i] each, trimmed to the batch's longest sequences."""
        # Widths rounded up to a multiple of 16: far fewer distinct shapes for the GPU's kernel
        # selection and caching allocator (the first H100 run ramped from 2 to 12 steps/s as it met
        # new shapes); the padding is masked, so results do not change.
        s_len = min(self.src.shape[-1], -(-int(self.src_len[variant, idx].max()) // 16) * 16)
        t_len = min(self.tgt_in.shape[-1], -(-(int(self.tgt_len[idx].max()) + 1) // 16) * 16)
        idx_t = torch.from_numpy(idx).to(self.src.device)
        var_t = torch.from_numpy(variant).to(self.src.device)
        return self.src[var_t, idx_t, :s_len], self.tgt_in[idx_t, :t_len], self.tgt_out[idx_t, :t_len]


def epoch_batches(split, rng, batch_tokens, variants):
    """Length-bucketed batches for one epoch: (indices, spelling per index)."""
    order = rng.permutation(split.n)
    variant = rng.integers(0, variants, split.n) if variants > 1 else np.zeros(split.n, dtype=np.int64)
    src_len = split.src_len[variant, np.arange(split.n)]
    cost_len = np.maximum(src_len, split.tgt_len + 1)
    batches = []
    chunk = 4096  # sort within chunks: batches of similar lengths, order still random
    for c in range(0, split.n, chunk):
        part = order[c : c + chunk]
        part = part[np.argsort(cost_len[part], kind="stable")]
        cur, cur_max = [], 0
        for i in part:
            m = max(cur_max, cost_len[i])
            if cur and m * 2 * (len(cur) + 1) > batch_tokens:
                batches.append(np.array(cur))
                cur, m = [], cost_len[i]
            cur.append(i)
            cur_max = m
        if cur:
            batches.append(np.array(cur))
    rng.shuffle(batches)
    return [(b, variant[b]) for b in batches]


def save_shards(state, out, prefix):
    """f32 safetensors shards, each <= SHARD_BYTES, written atomically."""
    shards, cur, size = [], {}, 0
    for k in sorted(state):
        t = state[k].detach().float().contiguous().cpu()
        if cur and size + t.numel() * 4 > SHARD_BYTES:
            shards.append(cur)
            cur, size = {}, 0
        cur[k] = t
        size += t.numel() * 4
    shards.append(cur)
    for i, s in enumerate(shards):
        tmp = os.path.join(out, f".{prefix}-{i}.tmp")
        save_file(s, tmp, metadata={"shard": f"{i}/{len(shards)}"})
        os.replace(tmp, os.path.join(out, f"{prefix}-{i}.safetensors"))
    return len(shards)


@torch.no_grad()
def evaluate(model, split, device, batch=500, max_len=200):
    """Mean token loss and greedy exact-match accuracy (canonical spelling, token level)."""
    model.eval()
    # An undertrained model can loop until max_len; no reference is longer than the split's width.
    max_len = min(max_len, split.tgt_in.shape[1] + 10)
    loss_sum, tok, correct = 0.0, 0, 0
    for s in range(0, split.n, batch):
        idx = np.arange(s, min(split.n, s + batch))
        src, tin, tout = split.batch(idx, np.zeros(len(idx), dtype=np.int64))
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(src, tin)
            loss_sum += F.cross_entropy(
                logits.float().reshape(-1, logits.size(-1)), tout.reshape(-1), ignore_index=PAD, reduction="sum"
            ).item()
            tok += int(tout.ne(PAD).sum())
            hyp = model.greedy(src, max_len=max_len)
        for r in range(len(idx)):
            want = tout[r][tout[r].ne(PAD)].tolist()
            got = hyp[r].tolist()
            got = got[: got.index(EOS) + 1] if EOS in got else got
            correct += got == want
    model.train()
    return {"loss": loss_sum / max(tok, 1), "greedy_top1": correct / split.n, "n": split.n}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=470, help="training wall-clock budget")
    ap.add_argument("--ckpt-seconds", type=float, default=120)
    ap.add_argument("--batch-tokens", type=int, default=32768)
    ap.add_argument("--lr", type=float, default=1.2e-3)
    ap.add_argument(
        "--warmup", type=float, default=0.04, help="share of the time budget spent warming up the learning rate"
    )
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--max-steps", type=int, default=10**9)
    ap.add_argument("--eval-limit", type=int, default=0, help="evaluate on at most this many (0: all)")
    ap.add_argument("--eval-max-len", type=int, default=200, help="greedy decoding length cap in evaluation")
    ap.add_argument("--profile-at", type=int, default=0, help="profile 20 steps from this step (0: never)")
    ap.add_argument("--cpu", action="store_true", help="allow running without CUDA (smoke tests)")
    args = ap.parse_args()

    t_start = time.time()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type != "cuda" and not args.cpu:
        raise SystemExit("no CUDA device (pass --cpu for a smoke test)")
    torch.manual_seed(42)
    torch.backends.cuda.matmul.allow_tf32 = True
    # cuDNN's attention builds a graph for every new (batch, length) shape on the CPU: 2.6 ms
    # forward + 3.2 ms backward per call in the H100 profile (runs/2026-11-27-h100-profile.log),
    # 56 % of the step's CPU time while the GPU idled. The flash / memory-efficient kernels do not.
    torch.backends.cuda.enable_cudnn_sdp(False)
    os.makedirs(args.out, exist_ok=True)
    log_f = open(os.path.join(args.out, "train.log"), "a")

    def log(msg):
        line = f"[{time.time() - t_start:7.1f}s] {msg}"
        print(line, flush=True)
        log_f.write(line + "\n")
        log_f.flush()

    vocab = json.load(open(os.path.join(args.data, "vocab.json")))
    z = np.load(os.path.join(args.data, "data.npz"))
    variants = sum(1 for k in z.files if k.startswith("train_src") and not k.endswith("_len"))
    train = Split(z, "train", variants, device)
    valid = Split(z, "valid", 0, device)
    test = Split(z, "test", 0, device)
    if args.eval_limit:
        for s in (valid, test):
            s.n = min(s.n, args.eval_limit)
    model = MolecularTransformer(len(vocab)).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    log(
        f"device {torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'}, torch {torch.__version__}, "
        f"{n_params} parameters, vocab {len(vocab)}, train {train.n} x {variants} spellings, "
        f"valid {valid.n}, test {test.n}"
    )
    opt = torch.optim.Adam(
        model.parameters(), lr=args.lr, betas=(0.9, 0.998), eps=1e-9, fused=device.type == "cuda"
    )
    params = [p for p in model.parameters()]
    ema = [p.detach().clone() for p in params]
    rng = np.random.default_rng(42)

    def lr_at(step, frac):
        # Warm-up by time, like the decay: the first H100 run's 1,000-step warm-up ended at 45 % of its
        # budget (slow first steps), so the peak learning rate was never reached.
        warm = min(1.0, max(frac, 1e-3) / args.warmup)
        decay = 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0)))
        return args.lr * warm * decay

    def ema_state():
        saved = [p.detach().clone() for p in params]
        with torch.no_grad():
            for p, e in zip(params, ema):
                p.copy_(e)
        state = model.state_dict()
        state = {k: v.clone() for k, v in state.items()}
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)
        return state

    kept = {"weights": "EMA"}  # what checkpoint() writes; the last weights if validation prefers them

    def checkpoint(tag):
        st = ema_state()
        # the decoder's embedding is the encoder's tensor: stored once
        st.pop("decoder.embeddings.make_embedding.emb_luts.0.weight", None)
        n = save_shards(st, args.out, "weights")
        log(f"checkpoint ({tag}): {kept['weights']} weights in {n} shards")

    step, epoch, last_ckpt = 0, 0, time.time()
    train_t0 = time.time()
    t_log = time.time()
    done = False
    while not done:
        epoch += 1
        for idx, var in epoch_batches(train, rng, args.batch_tokens, variants):
            frac = (time.time() - train_t0) / args.seconds
            if frac >= 1.0 or step >= args.max_steps:
                done = True
                break
            for g in opt.param_groups:
                g["lr"] = lr_at(step, frac)
            if args.profile_at and step == args.profile_at:
                prof = torch.profiler.profile(
                    activities=[torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
                )
                prof.__enter__()
            if args.profile_at and step == args.profile_at + 20:
                torch.cuda.synchronize()
                prof.__exit__(None, None, None)
                log("profile of 20 steps:\n" + prof.key_averages().table(sort_by="self_cuda_time_total", row_limit=25))
                log("by CPU time:\n" + prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
            src, tin, tout = train.batch(idx, var)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(src, tin)
            ntok = tout.ne(PAD).sum()
            loss = F.cross_entropy(
                logits.float().reshape(-1, logits.size(-1)), tout.reshape(-1), ignore_index=PAD, reduction="sum"
            )
            opt.zero_grad(set_to_none=True)
            (loss / ntok).backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            with torch.no_grad():
                d = args.ema if frac >= args.warmup else 0.0
                torch._foreach_lerp_(ema, [p.detach() for p in params], 1.0 - d)
            step += 1
            if step % 100 == 0:
                dt = time.time() - t_log
                log(
                    f"step {step} epoch {epoch} loss/token {loss.item() / int(ntok):.4f} "
                    f"lr {lr_at(step, frac):.2e} {100 / dt:.1f} steps/s batch {len(idx)} sents"
                )
                t_log = time.time()
            if time.time() - last_ckpt > args.ckpt_seconds:
                checkpoint(f"step {step}")
                last_ckpt = time.time()
    train_s = time.time() - train_t0
    log(f"training done: {step} steps, {epoch} epochs (last partial), {train_s:.0f} s")

    # Pick EMA or the last weights on the validation set (never the test set).
    raw = {k: v.clone() for k, v in model.state_dict().items()}
    raw_eval = evaluate(model, valid, device, max_len=args.eval_max_len)
    model.load_state_dict(ema_state())
    ema_eval = evaluate(model, valid, device, max_len=args.eval_max_len)
    # Ties (both near zero early on) go to the lower validation loss.
    use_ema = (ema_eval["greedy_top1"], -ema_eval["loss"]) >= (raw_eval["greedy_top1"], -raw_eval["loss"])
    if not use_ema:
        model.load_state_dict(raw)
        ema = [p.detach().clone() for p in params]  # so checkpoint() writes the raw weights
        kept["weights"] = "last"
    log(f"valid: last weights {raw_eval}, EMA {ema_eval}; keeping {'EMA' if use_ema else 'last'}")
    checkpoint("final")
    metrics = {"steps": step, "train_seconds": round(train_s, 1), "valid_last": raw_eval, "valid_ema": ema_eval}
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)  # rewritten below once the test set is scored
    test_eval = evaluate(model, test, device, max_len=args.eval_max_len)
    log(f"test (greedy, exact canonical tokens): {test_eval}")
    metrics = {
        "steps": step,
        "epochs": epoch,
        "train_seconds": round(train_s, 1),
        "parameters": n_params,
        "vocab": len(vocab),
        "weights": "ema" if use_ema else "last",
        "valid_last": raw_eval,
        "valid_ema": ema_eval,
        "test_greedy": test_eval,
        "args": vars(args),
        "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "total_seconds": round(time.time() - t_start, 1),
    }
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    log("all done")


if __name__ == "__main__":
    main()
