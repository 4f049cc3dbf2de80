#!/usr/bin/env python3
"""A small CUDA job with PyTorch, run inside the test's containers.

Prints one JSON line of figures:

  seccomp, no_new_privs  this process's Seccomp and NoNewPrivs (/proc/self/status)
  import_s               `import torch`
  init_s                 CUDA initialisation: first tensor on the device, synchronised
  launch_us              kernel launch + synchronize, median of LAUNCHES
  matmul_tflops          bf16 N x N matrix product (median of timed runs)
  h2d_gbps               pinned host -> device copy (median of timed runs)
  dataloader_s           one pass of a DataLoader (2 workers, fork) over a
                         synthetic dataset, batches moved to the GPU
  dataloader_batches     batches it delivered (must be the dataset's count)
  ok                     every step ran

Settings (environment): GPU_JOB_N (matrix size, default 8192),
GPU_JOB_LAUNCHES (default 2000), GPU_JOB_COPY_MB (default 256).
Exit 0 when every step ran, 1 otherwise (the JSON line says which failed).
"""
import json
import os
import statistics
import sys
import time

N = int(os.environ.get("GPU_JOB_N", "8192"))
LAUNCHES = int(os.environ.get("GPU_JOB_LAUNCHES", "2000"))
COPY_MB = int(os.environ.get("GPU_JOB_COPY_MB", "256"))
SAMPLES, FEATURES, BATCH = 8192, 1024, 512

out = {"ok": False}


def status_field(name):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return None


def median_event_ms(torch, fn, runs):
    """Median milliseconds of fn() between CUDA events, after a warm-up."""
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def main():
    out["seccomp"] = status_field("Seccomp")
    out["no_new_privs"] = status_field("NoNewPrivs")
    out["step"] = "import"
    t = time.perf_counter()
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    out["import_s"] = round(time.perf_counter() - t, 3)
    out["torch"] = torch.__version__

    out["step"] = "cuda init"
    t = time.perf_counter()
    torch.cuda.init()
    x = torch.zeros(1, device="cuda")
    torch.cuda.synchronize()
    out["init_s"] = round(time.perf_counter() - t, 3)
    out["device"] = torch.cuda.get_device_name(0)

    out["step"] = "launch latency"
    for _ in range(100):
        x.add_(1)
    torch.cuda.synchronize()
    lat = []
    for _ in range(LAUNCHES):
        t = time.perf_counter_ns()
        x.add_(1)
        torch.cuda.synchronize()
        lat.append(time.perf_counter_ns() - t)
    out["launch_us"] = round(statistics.median(lat) / 1000, 2)

    out["step"] = "matmul"
    a = torch.randn(N, N, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(N, N, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    ms = median_event_ms(torch, lambda: a @ b, 10)
    out["matmul_tflops"] = round(2 * N**3 / (ms / 1000) / 1e12, 1)
    del a, b

    out["step"] = "h2d copy"
    nbytes = COPY_MB << 20
    host = torch.empty(nbytes, dtype=torch.uint8, pin_memory=True)
    dev = torch.empty(nbytes, dtype=torch.uint8, device="cuda")
    ms = median_event_ms(torch, lambda: dev.copy_(host, non_blocking=True), 10)
    out["h2d_gbps"] = round(nbytes / (ms / 1000) / 1e9, 1)
    del host, dev

    out["step"] = "dataloader"
    g = torch.Generator().manual_seed(0)
    data = TensorDataset(torch.randn(SAMPLES, FEATURES, generator=g),
                         torch.randint(0, 10, (SAMPLES,), generator=g))
    loader = DataLoader(data, batch_size=BATCH, shuffle=True, num_workers=2,
                        multiprocessing_context="fork", pin_memory=True)
    t = time.perf_counter()
    batches = 0
    total = torch.zeros((), device="cuda")
    for xb, yb in loader:
        xb = xb.to("cuda", non_blocking=True)
        total += xb.sum() + yb.to("cuda", non_blocking=True).sum()
        batches += 1
    torch.cuda.synchronize()
    out["dataloader_s"] = round(time.perf_counter() - t, 3)
    out["dataloader_batches"] = batches
    if batches != SAMPLES // BATCH:
        raise RuntimeError("DataLoader delivered %d batches of %d" % (batches, SAMPLES // BATCH))

    del out["step"]
    out["ok"] = True


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report which step failed, in the one line
        out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out), flush=True)
    sys.exit(0 if out["ok"] else 1)
