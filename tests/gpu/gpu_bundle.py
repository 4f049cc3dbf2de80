#!/usr/bin/env python3
"""Helpers of tests/gpu/run.sh (standard library only).

    gpu_bundle.py bundle DIR JOB_DIR     write DIR/config.json and DIR/rootfs
    gpu_bundle.py policy GPU_POLICY OUT  GPU policy + this bundle's binds
    gpu_bundle.py record RUNTIME REP RC WALL_S OUT_FILE ERR_FILE
    gpu_bundle.py table RESULTS.jsonl    table of both runtimes; exit 1 on failure

The container reuses the host's files read-only (nothing is pulled): an
empty rootfs with the host's /usr and /etc bound read-only (plain "bind",
not "rbind": no submount comes along unasked), /bin, /lib, ... as the same
symlinks as on the host (merged /usr) or bound where they are directories,
the directories of the Python that runs the job (its prefix, its base
prefix, torch's package), and the mounts that hold the NVIDIA driver's
libcuda and nvidia-smi (`findmnt -T`), bound at the same place.  The
device nodes are the host's /dev/nvidia* with their real numbers (stat)
and a device-cgroup rule each.  `bundle` prints the bind sources, one per
line, for `policy` (the test-only readOnlySources overlay).
"""
import glob
import json
import os
import shutil
import stat
import statistics
import subprocess
import sys

JOB_DEST = "/gpu-job"
BIND_OPTS = ["ro", "nosuid", "nodev", "bind"]
CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
MASKED = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
          "/proc/scsi"]
READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
DEVICES = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"]


def under(path, prefix):
    return prefix == "/" or path == prefix or path.startswith(prefix.rstrip("/") + "/")


def mount_of(path):
    """The mount point holding path (findmnt -T)."""
    r = subprocess.run(["findmnt", "-n", "-o", "TARGET", "-T", path],
                       capture_output=True, text=True, check=False)
    return r.stdout.strip() or "/"


def libcuda():
    """libcuda.so.1 as the dynamic loader finds it (ldconfig's cache)."""
    for ldconfig in ("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"):
        try:
            out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True,
                                 check=False).stdout
        except OSError:
            continue
        for line in out.splitlines():
            name, _, path = line.strip().partition(" => ")
            if name.startswith("libcuda.so.1 ") and "x86-64" in name:
                return path
    for d in os.environ.get("LD_LIBRARY_PATH", "").split(":"):
        if d and os.path.exists(os.path.join(d, "libcuda.so.1")):
            return os.path.join(d, "libcuda.so.1")
    return None


def bind_sources(root_links):
    """Host directories to bind, parents before the mounts below them."""
    wanted = ["/usr", "/etc"]
    for d in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(d):
            root_links[d] = os.readlink(d)
        elif os.path.isdir(d):
            wanted.append(d)
    import importlib.util
    spec = importlib.util.find_spec("torch")
    pydirs = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)),
              os.path.dirname(os.path.dirname(os.path.realpath(spec.origin)))]
    for d in pydirs:
        if not any(under(d, w) for w in wanted):
            wanted.append(d)
    # What the driver and the job need from other mounts: bound where it
    # is, since a plain bind of a parent does not bring submounts along.
    needed = [p for p in (libcuda(), shutil.which("nvidia-smi")) if p]
    needed += [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if os.path.isdir(d)]
    needed += pydirs
    for p in needed:
        for q in {p, os.path.realpath(p)}:
            m = mount_of(q)
            covering = [w for w in wanted if under(q, w)]
            if covering:
                if mount_of(max(covering, key=len)) != m and m not in wanted:
                    wanted.append(m)
            else:
                wanted.append(m if m != "/" else q if os.path.isdir(q) else os.path.dirname(q))
    out = []
    for w in sorted(set(wanted), key=lambda s: (s.count("/"), s)):
        if os.path.isdir(w):
            out.append(w)
    return out


def devices():
    found = []
    for path in sorted(glob.glob("/dev/nvidia[0-9]*")) + DEVICES:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if stat.S_ISCHR(st.st_mode):
            found.append({"path": path, "type": "c", "major": os.major(st.st_rdev),
                          "minor": os.minor(st.st_rdev), "fileMode": stat.S_IMODE(st.st_mode),
                          "uid": st.st_uid, "gid": st.st_gid})
    return found


def cmd_bundle(bundle, job_dir):
    links = {}
    binds = bind_sources(links)
    devs = devices()
    rootfs = os.path.join(bundle, "rootfs")
    os.makedirs(rootfs)
    for link, target in links.items():
        os.symlink(target, rootfs + link)
    mounts = [
        {"destination": "/proc", "type": "proc", "source": "proc",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=1g"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "mode=1777", "size=1g"]},
        {"destination": "/run", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "mode=755", "size=65536k"]},
    ]
    for src in binds:
        mounts.append({"destination": src, "type": "bind", "source": src, "options": BIND_OPTS})
    mounts.append({"destination": JOB_DEST, "type": "bind", "source": job_dir, "options": BIND_OPTS})
    for m in mounts:  # mount points exist before runc makes the root read-only
        dest = rootfs + m["destination"]
        if not os.path.lexists(dest):
            os.makedirs(dest)
    env = ["PATH=" + os.environ.get("PATH", "/usr/bin:/bin"), "HOME=/tmp",
           "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"]
    env += ["%s=%s" % (k, v) for k, v in sorted(os.environ.items())
            if k == "LD_LIBRARY_PATH" or k.startswith("GPU_JOB_")]
    spec = {
        "ociVersion": "1.0.2-dev",
        "process": {
            "user": {"uid": 0, "gid": 0},
            "args": [sys.executable, JOB_DEST + "/cuda_job.py"],
            "env": env, "cwd": "/tmp",
            "capabilities": {k: list(CAPS) for k in ("bounding", "effective", "permitted")},
            "noNewPrivileges": False,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "gpu-job",
        "mounts": mounts,
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}] + [
                {"allow": True, "type": "c", "major": d["major"], "minor": d["minor"],
                 "access": "rwm"} for d in devs]},
            "namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "network", "cgroup")],
            "devices": devs,
            "maskedPaths": MASKED, "readonlyPaths": READONLY,
        },
    }
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(spec, f, indent=1)
    for src in binds + [job_dir]:
        print(src)


def cmd_policy(gpu_policy, out, sources):
    with open(gpu_policy) as f:
        pol = json.load(f)
    pol["name"] = pol.get("name", "gpu") + "+gpu-test"
    hm = pol.setdefault("controls", {}).setdefault("host-mounts", {"mode": "enforce"})
    hm["readOnlySources"] = hm.get("readOnlySources", []) + [
        s for s in sources if s not in hm.get("readOnlySources", [])]
    with open(out, "w") as f:
        json.dump(pol, f, indent=1)


def cmd_record(runtime, rep, rc, wall, out_file, err_file):
    job = None
    with open(out_file, errors="replace") as f:
        for line in f.read().splitlines()[::-1]:
            if line.startswith("{"):
                try:
                    job = json.loads(line)
                    break
                except ValueError:
                    pass
    with open(err_file, errors="replace") as f:
        err = f.read().strip().splitlines()[-5:]
    print(json.dumps({"runtime": runtime, "rep": int(rep), "rc": int(rc),
                      "wall_s": round(float(wall), 2), "job": job, "err": err}))


METRICS = [("container wall time (s)", "wall_s", False),
           ("import torch (s)", "import_s", False),
           ("CUDA init (s)", "init_s", False),
           ("launch + sync (us, median)", "launch_us", False),
           ("bf16 matmul (TFLOP/s)", "matmul_tflops", True),
           ("pinned H2D copy (GB/s)", "h2d_gbps", True),
           ("DataLoader, 2 workers (s)", "dataloader_s", False)]


def cmd_table(results):
    with open(results) as f:
        runs = [json.loads(line) for line in f if line.strip()]
    by = {"runc": [r for r in runs if r["runtime"] == "runc"],
          "shimrun": [r for r in runs if r["runtime"] == "shimrun"]}
    failures = []
    for rt, rs in by.items():
        for r in rs:
            job = r["job"] or {}
            if r["rc"] != 0 or not job.get("ok"):
                failures.append("%s run %d: exit %d, %s%s" % (
                    rt, r["rep"], r["rc"],
                    job.get("error") or ("step " + job["step"] if job.get("step") else "no job output"),
                    "".join("\n      " + e for e in r["err"])))
            elif rt == "shimrun" and (job.get("seccomp"), job.get("no_new_privs")) != (2, 1):
                failures.append("shimrun run %d: Seccomp %s, NoNewPrivs %s inside (want 2, 1)" % (
                    r["rep"], job.get("seccomp"), job.get("no_new_privs")))

    def value(r, key):
        if key == "wall_s":
            return r["wall_s"]
        return (r["job"] or {}).get(key)

    def med(rt, key):
        vals = [value(r, key) for r in by[rt] if r["rc"] == 0 and value(r, key) is not None]
        return statistics.median(vals) if vals else None

    dev = next((r["job"].get("device") for r in runs if r["job"] and r["job"].get("device")), "?")
    ver = next((r["job"].get("torch") for r in runs if r["job"] and r["job"].get("torch")), "?")
    print("GPU %s, torch %s; %d run(s) of each runtime, alternating; medians" % (
        dev, ver, max(len(by["runc"]), len(by["shimrun"]))))
    print("%-28s %12s %12s %14s   %s" % ("", "runc", "shimrun", "shimrun/runc", "per run (runc | shimrun)"))
    for label, key, _higher in METRICS:
        a, b = med("runc", key), med("shimrun", key)
        ratio = "%.3f" % (b / a) if a and b is not None else "-"
        per = "%s | %s" % (" ".join(str(value(r, key)) for r in by["runc"]),
                           " ".join(str(value(r, key)) for r in by["shimrun"]))
        print("%-28s %12s %12s %14s   %s" % (label, "-" if a is None else a,
                                             "-" if b is None else b, ratio, per))
    for rt in ("runc", "shimrun"):
        seen = sorted({"%s/%s" % ((r["job"] or {}).get("seccomp"), (r["job"] or {}).get("no_new_privs"))
                       for r in by[rt]})
        print("%-28s %s: %s" % ("Seccomp/NoNewPrivs inside", rt, ", ".join(seen)))
    for f in failures:
        print("FAIL: " + f)
    ok = len(runs) - len(failures)
    print("gpu: %d passed, %d failed" % (ok, len(failures)))
    return 1 if failures or not by["runc"] or not by["shimrun"] else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "bundle":
        cmd_bundle(argv[2], argv[3])
    elif len(argv) >= 4 and argv[1] == "policy":
        cmd_policy(argv[2], argv[3], argv[4:])
    elif len(argv) == 8 and argv[1] == "record":
        cmd_record(*argv[2:])
    elif len(argv) == 3 and argv[1] == "table":
        return cmd_table(argv[2])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
