#!/usr/bin/env python3
"""PyTorch reference for `collapsecheck bench`: the same GPT (token + position embeddings, pre-norm blocks,
causal SDPA, 4x GELU MLP, tied head, GPT-2 init), the same sizes and the same measurements, so the two can be
run side by side on one machine (see bench/gpu.sh). Prints JSON with the fields `collapsecheck bench --json` uses.

    python3 bench/reference.py --device cuda [--compile] [--bf16] [--seconds 3] [--model all|default|3.5m]
                               [--mimic all|flat-grads,adamw,gather,loss-sum]

--mimic trains the way collapsecheck's trainer does instead of the idiomatic PyTorch loop, one part at a time, to
find where a gap between the two comes from: flat-grads (parameters and gradients as views into two flat buffers,
gradients zeroed and accumulated into rather than set to None), adamw (AdamW and clipping as separate kernels over
the flat buffers; implies flat-grads), gather (each batch's rows taken from a token stream at random offsets on the
device), loss-sum (the summed loss divided by the token count, kept as float64 in a running tensor).
"""
import argparse, json, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

CASES = [("default policy model", dict(vocab=257, layers=2, width=64, heads=4, context=64), 16),
         ("3.5M-parameter model", dict(vocab=512, layers=4, width=256, heads=8, context=256), 64)]


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.attention_norm, self.mlp_norm = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.attention_projection = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.expand, self.projection = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

    def forward(self, x, cache=None):
        b, t, w = x.shape
        q, k, v = self.qkv(self.attention_norm(x)).view(b, t, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        if cache is not None:
            k, v = cache.append(k, v)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
        x = x + self.attention_projection(y.transpose(1, 2).reshape(b, t, w))
        return x + self.projection(F.gelu(self.expand(self.mlp_norm(x))))


class LayerCache:
    def __init__(self, b, h, capacity, d, device):
        self.k = torch.zeros(b, h, capacity, d, device=device)
        self.v = torch.zeros(b, h, capacity, d, device=device)
        self.length = 0

    def append(self, k, v):
        n = k.shape[2]
        self.k[:, :, self.length:self.length + n] = k
        self.v[:, :, self.length:self.length + n] = v
        self.length += n
        return self.k[:, :, :self.length], self.v[:, :, :self.length]


class Gpt(nn.Module):
    def __init__(self, vocab, layers, width, heads, context):
        super().__init__()
        self.context = context
        self.tokens, self.positions = nn.Embedding(vocab, width), nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.final_norm = nn.LayerNorm(width)
        for name, p in self.named_parameters():
            if name.endswith(".bias"):
                nn.init.zeros_(p)
            elif "norm" in name:
                nn.init.ones_(p)
            else:
                nn.init.normal_(p, 0, 0.02 / math.sqrt(2 * layers) if name.endswith("projection.weight") else 0.02)

    def forward(self, ids, caches=None, start=0):
        x = self.tokens(ids) + self.positions(torch.arange(start, start + ids.shape[1], device=ids.device))
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        return F.linear(self.final_norm(x), self.tokens.weight)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device, seconds, minimum=2):
    fn()
    sync(device)
    start, done = time.perf_counter(), 0
    while time.perf_counter() - start < seconds or done < minimum:
        done += fn()
    sync(device)
    return done / (time.perf_counter() - start)


MIMIC_PARTS = ("flat-grads", "adamw", "gather", "loss-sum")


def mimic_train_step(model, step_model, batch, ctx, vocab, device, autocast, parts):
    """A training step built the way collapsecheck's Trainer, FlatParameters and FlatAdamW build theirs, for `parts`."""
    params = sorted(model.parameters(), key=lambda p: 0 if p.dim() >= 2 else 1)
    flat = "flat-grads" in parts or "adamw" in parts
    if flat:
        total = sum(p.numel() for p in params)
        values = torch.zeros(total, device=device)
        grads = torch.zeros(total, device=device)
        offset = 0
        with torch.no_grad():
            for p in params:
                n = p.numel()
                values[offset:offset + n].copy_(p.reshape(-1))
                p.data = values[offset:offset + n].view_as(p)
                p.grad = grads[offset:offset + n].view_as(p)
                offset += n
        decayed = values[:sum(p.numel() for p in params if p.dim() >= 2)]
    if "adamw" in parts:
        first, second = torch.zeros_like(values), torch.zeros_like(values)
        state = dict(steps=0)

        def optimize(lr=1e-3, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1, clip=1.0):
            with torch.no_grad():
                scale = grads.norm().add_(1e-6).reciprocal_().mul_(clip).clamp_max_(1.0)
                grads.mul_(scale)
                state["steps"] += 1
                t = state["steps"]
                decayed.mul_(1 - lr * weight_decay)
                first.mul_(beta1).add_(grads, alpha=1 - beta1)
                second.mul_(beta2).addcmul_(grads, grads, value=1 - beta2)
                denominator = second.sqrt().div_(math.sqrt(1 - beta2 ** t)).add_(eps)
                values.addcdiv_(first, denominator, value=-lr / (1 - beta1 ** t))
    else:
        decay = [p for p in params if p.dim() >= 2]
        plain = [p for p in params if p.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": plain, "weight_decay": 0.0}],
                                lr=1e-3, betas=(0.9, 0.95), fused=device.type == "cuda")

        def optimize():
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()

    stream = torch.randint(0, vocab - 1, (64 * 4 * ctx,), device=device)
    columns = torch.arange(ctx + 1, device=device)
    fixed = torch.randint(0, vocab - 1, (batch, ctx + 1), device=device)
    tenths = torch.zeros(10, dtype=torch.float64, device=device)
    chunk = dict(offsets=None, used=256)

    def rows():
        if "gather" not in parts:
            return fixed
        if chunk["used"] == 256:
            # As the trainer: offsets drawn on the host for 256 steps at a time and uploaded once.
            chunk["offsets"] = torch.randint(0, stream.numel() - ctx, (256, batch)).to(device)
            chunk["used"] = 0
        chunk["used"] += 1
        return stream.take(chunk["offsets"][chunk["used"] - 1].unsqueeze(1) + columns)

    def train_step():
        data = rows()
        if flat:
            grads.zero_()
        else:
            for p in params:
                p.grad = None
        with autocast:
            logits = step_model(data[:, :-1])
            targets = data[:, 1:].reshape(-1)
            if "loss-sum" in parts:
                loss = F.cross_entropy(logits.reshape(-1, vocab).float(), targets, reduction="sum").div_(batch * ctx)
            else:
                loss = F.cross_entropy(logits.reshape(-1, vocab).float(), targets)
        loss.backward()
        optimize()
        if "loss-sum" in parts:
            tenths[0].add_(loss.detach().double())
        return batch * ctx

    return train_step


def bench(name, cfg, batch, device, compile_, bf16, seconds, mimic=()):
    torch.manual_seed(1)
    model = Gpt(**cfg).to(device)
    step_model = torch.compile(model) if compile_ else model
    ctx, vocab = cfg["context"], cfg["vocab"]
    data = torch.randint(0, vocab - 1, (batch, ctx + 1), device=device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)
    if mimic:
        train_step = mimic_train_step(model, step_model, batch, ctx, vocab, device, autocast, mimic)
    else:
        fused = device.type == "cuda"
        decay = [p for p in model.parameters() if p.dim() >= 2]
        plain = [p for p in model.parameters() if p.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": plain, "weight_decay": 0.0}],
                                lr=1e-3, betas=(0.9, 0.95), fused=fused)

        def train_step():
            with autocast:
                logits = step_model(data[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, vocab).float(), data[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            return batch * ctx

    total = torch.zeros((), dtype=torch.float64, device=device)

    def eval_step():
        # As collapsecheck's evaluator: the batch's summed loss, kept on the device and read back once at the end.
        with torch.no_grad(), autocast:
            logits = step_model(data[:, :-1])
            total.add_(F.cross_entropy(logits.reshape(-1, vocab).float(), data[:, 1:].reshape(-1), reduction="sum").double())
        return batch * ctx

    train = timed(train_step, device, seconds)
    evaluate = timed(eval_step, device, seconds)

    model.eval()
    w, h, layers = cfg["width"], cfg["heads"], cfg["layers"]

    def sample_round():
        # As collapsecheck's sampler: whole batch, KV cache, on-device sampling, a finished-check every 8 steps.
        with torch.no_grad(), autocast:
            caches = [LayerCache(batch, h, ctx, w // h, device) for _ in range(layers)]
            nxt = torch.full((batch, 1), vocab - 1, dtype=torch.long, device=device)
            finished = torch.zeros(batch, dtype=torch.bool, device=device)
            steps = []
            for position in range(ctx):
                logits = model(nxt, caches, position)[:, -1].float()
                nxt = torch.multinomial(logits.softmax(-1), 1)
                steps.append(nxt)
                finished |= nxt.squeeze(1) == vocab - 1
                if position % 8 == 7 and bool(finished.all()):
                    break
            torch.cat(steps, 1).cpu()
        return batch * ctx

    cached = timed(sample_round, device, seconds, minimum=1)

    # As collapsecheck bench: whole passes, at least three and until the time budget is spent; per position the median.
    passes = []
    started = time.perf_counter()
    while len(passes) < 3 or (time.perf_counter() - started < seconds and len(passes) < 25):
        with torch.no_grad(), autocast:
            caches = [LayerCache(batch, h, ctx, w // h, device) for _ in range(layers)]
            nxt = torch.zeros(batch, 1, dtype=torch.long, device=device)
            times = []
            for position in range(ctx):
                t0 = time.perf_counter()
                logits = model(nxt, caches, position)[:, -1].float()
                nxt = torch.multinomial(logits.softmax(-1), 1)
                sync(device)
                times.append((time.perf_counter() - t0) * 1000)
        passes.append(times)
    step_ms = [sorted(p[i] for p in passes)[len(passes) // 2] for i in range(ctx)]
    parameters = sum(p.numel() for p in model.parameters())
    flops_per_token = 6 * parameters + 12 * layers * w * ctx
    return dict(name=name, parameters=parameters, batch=batch, context=ctx,
                device=device.type, trainTokensPerSecond=train, trainFlopsPerSecond=train * flops_per_token,
                evaluateTokensPerSecond=evaluate,
                sampleTokensPerSecondCached=cached, decodeStepMsEarly=sum(step_ms[8:13]) / 5,
                decodeStepMsLate=sum(step_ms[-6:-1]) / 5,
                peakCudaMemoryBytes=torch.cuda.max_memory_allocated() if device.type == "cuda" else None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--model", choices=["all", "default", "3.5m"], default="all", help="as collapsecheck bench --model")
    parser.add_argument("--mimic", default="", help="train as collapsecheck does: all, or some of " + ",".join(MIMIC_PARTS))
    args = parser.parse_args()
    mimic = MIMIC_PARTS if args.mimic == "all" else tuple(part for part in args.mimic.split(",") if part)
    unknown = [part for part in mimic if part not in MIMIC_PARTS]
    if unknown:
        parser.error(f"--mimic: unknown part(s) {', '.join(unknown)}; expected all or some of {','.join(MIMIC_PARTS)}")
    device = torch.device(args.device)
    cases = CASES if args.model == "all" else [CASES[0 if args.model == "default" else 1]]
    results = [bench(n, c, b, device, args.compile, args.bf16, args.seconds, mimic) for n, c, b in cases]
    print(json.dumps(dict(schemaVersion=1, torch=torch.__version__, compile=args.compile, bf16=args.bf16,
                          mimic=list(mimic), threads=torch.get_num_threads(), results=results), indent=2))
