#!/usr/bin/python3
"""PyTorch's side of bench_trainer (bench only, optional: never a dependency
of aimc). The same training step as aimc's trainer: encoder Linear(n_in, H)
-> S4D (H channels, N/2 complex modes; S4D-Lin init; zero-order hold;
Bbar = (Abar - 1)/A B; y = 2 Re(C x) + D u) -> GELU -> dropout 0.1 ->
Linear(H, H) -> + residual -> LayerNorm -> mean over time ->
Linear(H, classes) -> cross entropy; AdamW with the SSM's log dt, log(-Re A)
and Im A at lr 0.001 without weight decay, the rest lr 0.01, wd 0.01. The
S4D layer runs as PyTorch's S4D reference code does in training: the
kernel K_l = 2 Re(C Bbar Abar^l) by a Vandermonde product, then an FFT
convolution (zero-padded to 2L), which is O(L log L) per channel against
the recurrence's O(L N).

Driven by bench_trainer over pipes: every line "step" on stdin runs one
step and answers its wall time and this process's CPU time (all threads)
in seconds; "quit" ends. With --steps K it
runs K steps alone and prints their median. Prints "PyTorch not available"
and exits 3 when torch cannot be imported.
"""
import argparse
import math
import sys
import time


def build(torch, a):
    nn = torch.nn
    dt = getattr(torch, a.dtype)
    torch.manual_seed(1)
    H, M = a.h, a.n // 2

    class S4D(nn.Module):
        def __init__(self):
            super().__init__()
            self.log_dt = nn.Parameter(
                torch.rand(H, dtype=dt) * (math.log(0.1) - math.log(0.001))
                + math.log(0.001))
            self.log_a_re = nn.Parameter(torch.full((H, M), math.log(0.5), dtype=dt))
            self.a_im = nn.Parameter(
                math.pi * torch.arange(M, dtype=dt).repeat(H, 1))
            self.b_re = nn.Parameter(torch.ones(H, M, dtype=dt))
            self.b_im = nn.Parameter(torch.zeros(H, M, dtype=dt))
            self.c_re = nn.Parameter(torch.randn(H, M, dtype=dt) * 0.5 ** 0.5)
            self.c_im = nn.Parameter(torch.randn(H, M, dtype=dt) * 0.5 ** 0.5)
            self.d = nn.Parameter(torch.randn(H, dtype=dt))

        def forward(self, u):  # u: (B, L, H)
            L = u.shape[1]
            step = torch.exp(self.log_dt).unsqueeze(-1)
            A = torch.complex(-torch.exp(self.log_a_re), self.a_im)
            dtA = A * step
            Bc = torch.complex(self.b_re, self.b_im)
            Cc = torch.complex(self.c_re, self.c_im)
            w = Cc * Bc * (torch.exp(dtA) - 1) / A  # C Bbar
            pos = torch.arange(L, dtype=dt)
            K = 2 * torch.einsum("hm,hml->hl", w,
                                 torch.exp(dtA.unsqueeze(-1) * pos)).real
            uf = torch.fft.rfft(u.transpose(1, 2), n=2 * L)
            kf = torch.fft.rfft(K, n=2 * L)
            y = torch.fft.irfft(uf * kf, n=2 * L)[..., :L].transpose(1, 2)
            return y + u * self.d

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(a.n_in, H, dtype=dt)
            self.ssm = S4D()
            self.drop = nn.Dropout(0.1)
            self.mix = nn.Linear(H, H, dtype=dt)
            self.norm = nn.LayerNorm(H, dtype=dt)
            self.dec = nn.Linear(H, a.classes, dtype=dt)

        def forward(self, x):
            h = self.enc(x)
            y = self.mix(self.drop(nn.functional.gelu(self.ssm(h))))
            h = self.norm(y + h)
            return self.dec(h.mean(dim=1))

    net = Net()
    ssm = [net.ssm.log_dt, net.ssm.log_a_re, net.ssm.a_im]
    rest = [p for p in net.parameters() if all(p is not q for q in ssm)]
    opt = torch.optim.AdamW([{"params": rest, "lr": 0.01, "weight_decay": 0.01},
                             {"params": ssm, "lr": 0.001, "weight_decay": 0.0}])
    i = torch.arange(a.batch * a.len * a.n_in, dtype=dt)
    x = torch.sin(0.001 * i * i).reshape(a.batch, a.len, a.n_in)
    y = torch.arange(a.batch) % a.classes
    loss_fn = nn.CrossEntropyLoss()

    def step():
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return time.perf_counter() - t0, time.process_time() - c0

    return step


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--h", type=int, default=64)
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--len", type=int, default=1000)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--n-in", type=int, default=64)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--steps", type=int, default=0,
                   help="run this many steps alone and print the median")
    a = p.parse_args()
    try:
        import torch
    except ImportError:
        print("PyTorch not available", flush=True)
        return 3
    torch.set_num_threads(a.threads)
    step = build(torch, a)
    step()  # warm-up
    if a.steps:
        times = sorted(step()[0] for _ in range(a.steps))
        print("torch %s %d thread(s): median %.1f ms over %d steps"
              % (a.dtype, a.threads, 1e3 * times[len(times) // 2], a.steps))
        return 0
    print("ready torch %s" % torch.__version__, flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        if cmd == "step":
            print("%.9f %.9f" % step(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
