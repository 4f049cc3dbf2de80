#!/usr/bin/python3
"""Pod cycles through CRI, timed in-process: tests/bench/bench-pods.sh's driver.

    cri_bench.py --address SOCK --pb-dir DIR --rows ROWS.json --data FILE
                 [--rounds R] [--iterations I] [--timeout S] [--warmup]

ROWS.json is a list of {"row": "a", "label": "runc", "handler": "runc",
"pod": PodSandboxConfig, "container": ContainerConfig} (JSON as cri.py
takes it).  One pod cycle is what the kubelet does for a pod that runs one
container and is then deleted:

    run     RunPodSandbox (runtime_handler = the row's runtime class)
    create  CreateContainer
    start   StartContainer
    stop    StopContainer (timeout 0: SIGKILL at once) + StopPodSandbox
    remove  RemovePodSandbox (the sandbox, its container and network gone)

With --warmup, one untimed cycle per row, which also checks the pod: its
container RUNNING after StartContainer, and prints the uid_map and the
Seccomp field of the pause process and of the app container's init (read
from /proc with the pids of the verbose status), for the benchmark's notes.
Without it, ROUNDS rounds, each ITERATIONS times every row in turn
(round-robin), one line "ROUND ROW PHASE MICROSECONDS" per phase and cycle
appended to --data (PHASE total: the whole cycle).

Every call goes over one gRPC channel, as the kubelet's; the requests are
built before the clock starts (the ids the answers give are set into
them between calls), so that the time is the CRI calls'.  Names differ
per cycle (pod ROW-ROUND-ITERATION), though each pod is gone before the
next starts.  A failed call prints the phase and the gRPC error, removes
the pod it made and exits 1.  The stubs are cri.py's (tests/integration/
cri), generated with protoc into --pb-dir when not there yet.
"""
import argparse
import json
import os
import sys
import time

import grpc
from google.protobuf import json_format

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "integration", "cri"))
import cri  # noqa: E402  pylint: disable=wrong-import-position

CALLS = ("RunPodSandbox", "CreateContainer", "StartContainer", "StopContainer",
         "StopPodSandbox", "RemovePodSandbox", "ContainerStatus", "PodSandboxStatus")
PHASES = ("run", "create", "start", "stop", "remove")


class Failed(Exception):
    pass


class Runtime:
    """The RuntimeService calls as bound stubs, over one channel."""

    def __init__(self, api, address, timeout):
        self.api = api
        self.timeout = timeout
        self.channel = grpc.insecure_channel("unix://" + address)
        desc = api.DESCRIPTOR.services_by_name["RuntimeService"]
        self.stubs = {}
        for name in CALLS:
            m = desc.methods_by_name[name]
            self.stubs[name] = self.channel.unary_unary(
                "/%s/%s" % (desc.full_name, name),
                request_serializer=getattr(api, m.input_type.name).SerializeToString,
                response_deserializer=getattr(api, m.output_type.name).FromString)

    def __call__(self, name, req):
        try:
            return self.stubs[name](req, timeout=self.timeout)
        except grpc.RpcError as err:
            raise Failed("%s: %s: %s" % (name, err.code().name, err.details())) from None


class Row:
    def __init__(self, api, doc):
        self.row = doc["row"]
        self.label = doc["label"]
        self.handler = doc["handler"]
        self.pod_json = json.dumps(doc["pod"])
        self.ctr_json = json.dumps(doc["container"])
        self.api = api

    def requests(self, tag):
        """The requests of one cycle, for pod TAG; ids filled in later."""
        api = self.api
        pod = json_format.Parse(self.pod_json, api.PodSandboxConfig())
        pod.metadata.name = tag
        pod.metadata.uid = "uid-" + tag
        pod.hostname = tag
        if pod.log_directory:
            pod.log_directory = os.path.join(pod.log_directory, tag)
        return {
            "run": api.RunPodSandboxRequest(config=pod, runtime_handler=self.handler),
            "create": api.CreateContainerRequest(
                config=json_format.Parse(self.ctr_json, api.ContainerConfig()),
                sandbox_config=pod),
            "start": api.StartContainerRequest(),
            "stop_ctr": api.StopContainerRequest(timeout=0),
            "stop_pod": api.StopPodSandboxRequest(),
            "remove": api.RemovePodSandboxRequest(),
        }


def remove_pod(rt, pod_id):
    """Best effort, after a failure: the pod and what it holds."""
    api = rt.api
    for name, req in (("StopPodSandbox", api.StopPodSandboxRequest(pod_sandbox_id=pod_id)),
                      ("RemovePodSandbox", api.RemovePodSandboxRequest(pod_sandbox_id=pod_id))):
        try:
            rt(name, req)
        except Failed as err:
            print("cri_bench: clean-up: %s" % err, file=sys.stderr)


def proc_facts(pid):
    """'uid_map A B C, Seccomp N' of a host pid."""
    try:
        with open("/proc/%d/uid_map" % pid) as f:
            uid_map = " | ".join(" ".join(line.split()) for line in f)
        with open("/proc/%d/status" % pid) as f:
            seccomp = next((line.split()[1] for line in f if line.startswith("Seccomp:")), "?")
        return "uid_map %s, Seccomp %s" % (uid_map, seccomp)
    except OSError as err:
        return "(pid %d: %s)" % (pid, err)


def verbose_pid(resp):
    try:
        return int(json.loads(resp.info["info"])["pid"])
    except (KeyError, ValueError, TypeError):
        return 0


def cycle(rt, row, tag, check=False):
    """One pod cycle; the phases' times in microseconds, and the checks'
    findings when CHECK."""
    api = rt.api
    req = row.requests(tag)
    clock = time.perf_counter_ns
    pod_id = None
    phase = "run"
    facts = None
    try:
        t0 = clock()
        pod_id = rt("RunPodSandbox", req["run"]).pod_sandbox_id
        t1 = clock()
        phase = "create"
        req["create"].pod_sandbox_id = pod_id
        ctr_id = rt("CreateContainer", req["create"]).container_id
        t2 = clock()
        phase = "start"
        req["start"].container_id = ctr_id
        rt("StartContainer", req["start"])
        t3 = clock()
        if check:
            # The warm-up's times are not kept: checking here is free.
            status = rt("ContainerStatus", api.ContainerStatusRequest(container_id=ctr_id, verbose=True))
            state = api.ContainerState.Name(status.status.state)
            if state != "CONTAINER_RUNNING":
                raise Failed("ContainerStatus after StartContainer: %s (%s %s)" % (
                    state, status.status.reason, status.status.message))
            sandbox = rt("PodSandboxStatus", api.PodSandboxStatusRequest(pod_sandbox_id=pod_id, verbose=True))
            facts = "pause: %s; app: %s" % (proc_facts(verbose_pid(sandbox)), proc_facts(verbose_pid(status)))
            t3 = clock()
        phase = "stop"
        req["stop_ctr"].container_id = ctr_id
        req["stop_pod"].pod_sandbox_id = pod_id
        rt("StopContainer", req["stop_ctr"])
        rt("StopPodSandbox", req["stop_pod"])
        t4 = clock()
        phase = "remove"
        req["remove"].pod_sandbox_id = pod_id
        rt("RemovePodSandbox", req["remove"])
        t5 = clock()
    except Failed as err:
        print("cri_bench: FAIL: %s (%s), pod %s: %s" % (row.label, row.row, tag, err), file=sys.stderr)
        if pod_id and phase != "remove":
            remove_pod(rt, pod_id)
        raise SystemExit(1) from None
    if check:
        return None, facts
    us = [(b - a) // 1000 for a, b in ((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5))]
    return dict(zip(PHASES, us), total=(t5 - t0) // 1000), None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--address", required=True, help="containerd's socket")
    p.add_argument("--pb-dir", required=True, help="where api_pb2.py is or goes")
    p.add_argument("--rows", required=True, help="the rows, JSON")
    p.add_argument("--data", help="where the times go (appended)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--timeout", type=float, default=60, help="seconds per call")
    p.add_argument("--warmup", action="store_true", help="one checked, untimed cycle per row")
    p.add_argument("--prefix", default="bench-pods", help="of progress lines and pod names")
    a = p.parse_args()
    if not a.warmup and not a.data:
        p.error("--data is needed without --warmup")
    api = cri.load_api(a.pb_dir)
    rt = Runtime(api, a.address, a.timeout)
    with open(a.rows) as f:
        rows = [Row(api, doc) for doc in json.load(f)]
    pid = os.getpid()
    if a.warmup:
        for row in rows:
            _, facts = cycle(rt, row, "%s-%d-%s-warmup" % (a.prefix, pid, row.row), check=True)
            print("%s (%s): %s" % (row.label, row.row, facts))
        return 0
    with open(a.data, "a") as out:
        for rnd in range(1, a.rounds + 1):
            print("%s: round %d of %d: %s, %d pod cycles each" % (
                a.prefix, rnd, a.rounds, " ".join(r.row for r in rows), a.iterations), flush=True)
            for it in range(1, a.iterations + 1):
                for row in rows:
                    us, _ = cycle(rt, row, "%s-%d-%s-%d-%d" % (a.prefix, pid, row.row, rnd, it))
                    for ph in PHASES + ("total",):
                        out.write("%d %s %s %d\n" % (rnd, row.row, ph, us[ph]))
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
