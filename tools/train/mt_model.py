"""The Molecular Transformer exactly as OpenNMT-py 3.x builds it, in plain PyTorch.

Module and parameter names are OpenNMT-py's, so `state_dict()` is an OpenNMT-py checkpoint's
`model` (plus `generator`), and `retort import` reads the result as it reads our users' models.
What it is: pre-norm Transformer encoder-decoder with final LayerNorms (eps 1e-6), one embedding
table shared by source and target, embeddings scaled by sqrt(d_model) plus OpenNMT-py's
interleaved sinusoidal positions (sin on even, cos on odd columns), biases on every linear (as
the original OpenNMT-py 1.x model had), ReLU feed-forward, and a separate Linear generator.
The source has no BOS/EOS; the target starts with <s> and ends with </s>.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

UNK, PAD, BOS, EOS = 0, 1, 2, 3  # ids of <unk>, <blank>, <s>, </s> in OpenNMT-py 3.x vocabularies
LN_EPS = 1e-6


def sinusoidal_table(max_len, dim):
    """OpenNMT-py's interleaved table, computed in f64 the way Retort generates it
    (`retort_core::spec::sinusoidal_table`), so training and inference see the same values."""
    t = torch.zeros(max_len, dim, dtype=torch.float64)
    for i in range(0, dim, 2):
        div = math.exp(-math.log(10000.0) * i / dim)
        a = torch.tensor([p * div for p in range(max_len)], dtype=torch.float64)
        t[:, i] = torch.tensor([math.sin(x) for x in a.tolist()], dtype=torch.float64)
        if i + 1 < dim:
            t[:, i + 1] = torch.tensor([math.cos(x) for x in a.tolist()], dtype=torch.float64)
    return t.float()


class Embeddings(nn.Module):
    def __init__(self, lut, dim, dropout, pe):
        super().__init__()
        self.make_embedding = nn.Module()
        self.make_embedding.emb_luts = nn.ModuleList([lut])
        self.scale = math.sqrt(dim)
        self.dropout = nn.Dropout(dropout)
        # Not persistent: Retort generates the same table, so the checkpoint need not carry it.
        self.register_buffer("pe", pe, persistent=False)

    def forward(self, ids):
        emb = self.make_embedding.emb_luts[0](ids) * self.scale
        return self.dropout(emb + self.pe[: ids.size(1)].to(emb.dtype))


class MultiHeadedAttention(nn.Module):
    def __init__(self, dim, heads, dropout):
        super().__init__()
        self.heads = heads
        self.linear_keys = nn.Linear(dim, dim)
        self.linear_values = nn.Linear(dim, dim)
        self.linear_query = nn.Linear(dim, dim)
        self.final_linear = nn.Linear(dim, dim)
        self.dropout = dropout

    def split(self, x):
        b, t, d = x.shape
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, key, value, query, mask=None, causal=False):
        """mask: bool, True where a query may attend (broadcast to [B, heads, Tq, Tk])."""
        q, k, v = self.split(self.linear_query(query)), self.split(self.linear_keys(key)), self.split(self.linear_values(value))
        ctx = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0, is_causal=causal
        )
        b, h, t, dh = ctx.shape
        return self.final_linear(ctx.transpose(1, 2).reshape(b, t, h * dh))


class PositionwiseFeedForward(nn.Module):
    def __init__(self, dim, ff, dropout):
        super().__init__()
        self.w_1 = nn.Linear(dim, ff)
        self.w_2 = nn.Linear(ff, dim)
        self.layer_norm = nn.LayerNorm(dim, eps=LN_EPS)
        self.dropout_1 = nn.Dropout(dropout)
        self.dropout_2 = nn.Dropout(dropout)

    def forward(self, x):
        inter = self.dropout_1(F.relu(self.w_1(self.layer_norm(x))))
        return self.dropout_2(self.w_2(inter)) + x


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads, ff, dropout, attn_dropout):
        super().__init__()
        self.self_attn = MultiHeadedAttention(dim, heads, attn_dropout)
        self.feed_forward = PositionwiseFeedForward(dim, ff, dropout)
        self.layer_norm = nn.LayerNorm(dim, eps=LN_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, src_mask):
        h = self.layer_norm(x)
        return self.feed_forward(self.dropout(self.self_attn(h, h, h, mask=src_mask)) + x)


class DecoderLayer(nn.Module):
    def __init__(self, dim, heads, ff, dropout, attn_dropout):
        super().__init__()
        self.self_attn = MultiHeadedAttention(dim, heads, attn_dropout)
        self.context_attn = MultiHeadedAttention(dim, heads, attn_dropout)
        self.feed_forward = PositionwiseFeedForward(dim, ff, dropout)
        self.layer_norm_1 = nn.LayerNorm(dim, eps=LN_EPS)
        self.layer_norm_2 = nn.LayerNorm(dim, eps=LN_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, y, memory, src_mask):
        h = self.layer_norm_1(y)
        query = self.dropout(self.self_attn(h, h, h, causal=True)) + y
        h = self.layer_norm_2(query)
        mid = self.context_attn(memory, memory, h, mask=src_mask)
        return self.feed_forward(self.dropout(mid) + query)


class Encoder(nn.Module):
    def __init__(self, embeddings, layers, dim, heads, ff, dropout, attn_dropout):
        super().__init__()
        self.embeddings = embeddings
        self.transformer = nn.ModuleList(EncoderLayer(dim, heads, ff, dropout, attn_dropout) for _ in range(layers))
        self.layer_norm = nn.LayerNorm(dim, eps=LN_EPS)


class Decoder(nn.Module):
    def __init__(self, embeddings, layers, dim, heads, ff, dropout, attn_dropout):
        super().__init__()
        self.embeddings = embeddings
        self.transformer_layers = nn.ModuleList(
            DecoderLayer(dim, heads, ff, dropout, attn_dropout) for _ in range(layers)
        )
        self.layer_norm = nn.LayerNorm(dim, eps=LN_EPS)


class MolecularTransformer(nn.Module):
    def __init__(self, vocab_size, layers=4, dim=256, heads=8, ff=2048, dropout=0.1, attn_dropout=0.1, max_len=1024):
        super().__init__()
        self.shape = dict(layers=layers, dim=dim, heads=heads, ff=ff, vocab_size=vocab_size)
        lut = nn.Embedding(vocab_size, dim, padding_idx=PAD)
        pe = sinusoidal_table(max_len, dim)
        self.encoder = Encoder(Embeddings(lut, dim, dropout, pe), layers, dim, heads, ff, dropout, attn_dropout)
        # share_embeddings: the decoder's table is the encoder's (one tensor in the checkpoint)
        self.decoder = Decoder(Embeddings(lut, dim, dropout, pe), layers, dim, heads, ff, dropout, attn_dropout)
        self.generator = nn.Linear(dim, vocab_size)
        # param_init_glorot, as OpenNMT-py
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        with torch.no_grad():
            lut.weight[PAD].zero_()

    def encode(self, src):
        src_mask = src.ne(PAD)[:, None, None, :]
        x = self.encoder.embeddings(src)
        for layer in self.encoder.transformer:
            x = layer(x, src_mask)
        return self.encoder.layer_norm(x), src_mask

    def decode(self, tgt_in, memory, src_mask):
        y = self.decoder.embeddings(tgt_in)
        for layer in self.decoder.transformer_layers:
            y = layer(y, memory, src_mask)
        return self.decoder.layer_norm(y)

    def forward(self, src, tgt_in):
        memory, src_mask = self.encode(src)
        return self.generator(self.decode(tgt_in, memory, src_mask))

    @torch.no_grad()
    def greedy(self, src, max_len=200):
        """Greedy decoding (no cache: recomputes the prefix each step; fine for evaluation)."""
        memory, src_mask = self.encode(src)
        b = src.size(0)
        out = torch.full((b, 1), BOS, dtype=torch.long, device=src.device)
        done = torch.zeros(b, dtype=torch.bool, device=src.device)
        for _ in range(max_len):
            logits = self.generator(self.decode(out, memory, src_mask)[:, -1])
            nxt = logits.argmax(-1).masked_fill(done, PAD)
            out = torch.cat([out, nxt[:, None]], 1)
            done |= nxt.eq(EOS)
            if bool(done.all()):
                break
        return out[:, 1:]

    def checkpoint_state(self):
        """(model state dict, generator state dict), OpenNMT-py 3.x key names."""
        model = {k: v for k, v in self.state_dict().items() if not k.startswith("generator.")}
        generator = {k[len("generator.") :]: v for k, v in self.state_dict().items() if k.startswith("generator.")}
        return model, generator
