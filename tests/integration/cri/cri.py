#!/usr/bin/python3
"""A minimal CRI client: what kubelet says to containerd, one call at a time.

    cri.py --address SOCK --pb-dir DIR METHOD [REQUEST-JSON]
    cri.py --address SOCK --pb-dir DIR wait [--timeout S] [IMAGE...]

METHOD is a RuntimeService or ImageService call of api.proto (next to this
file), e.g. RunPodSandbox; the request is the JSON form of its message
(proto field names or lowerCamelCase, enums by name), from the argument or
stdin.  The response is printed as JSON with proto field names and every
field, defaults included (CONTAINER_CREATED, SANDBOX_READY and 0 are
values too); ExecSync's stdout and stderr are printed as text.  A gRPC
error prints {"error": {"code": "UNKNOWN", "message": "..."}} and exits 1,
so that the message the runtime gave (shimrun's) can be checked.

`wait` polls Status until RuntimeReady and NetworkReady are true and
ImageStatus knows each IMAGE (the CRI plugin learns of imported images
from events, asynchronously; a sandbox image it does not know it would
try to pull).  Exit 1 on timeout, with the last answer.

The stubs are generated from api.proto with protoc into --pb-dir when
they are not there yet: only protobuf messages are generated (protoc's
Python output), the calls are made with grpcio's generic API, so no
grpc_tools plugin is needed.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import grpc
from google.protobuf import json_format

HERE = os.path.dirname(os.path.abspath(__file__))
SERVICES = ("RuntimeService", "ImageService")


def load_api(pb_dir):
    """api_pb2 from pb_dir, generating it with protoc on first use."""
    if not os.path.exists(os.path.join(pb_dir, "api_pb2.py")):
        os.makedirs(pb_dir, exist_ok=True)
        subprocess.run(["protoc", "-I", HERE, "--python_out", pb_dir, "api.proto"],
                       check=True)
    sys.path.insert(0, pb_dir)
    import api_pb2  # pylint: disable=import-outside-toplevel
    return api_pb2


class Client:
    def __init__(self, api, address, timeout):
        self.api = api
        self.timeout = timeout
        self.channel = grpc.insecure_channel("unix://" + address)

    def method(self, name):
        for service in SERVICES:
            desc = self.api.DESCRIPTOR.services_by_name[service]
            if name in desc.methods_by_name:
                return desc.full_name, desc.methods_by_name[name]
        raise SystemExit("cri.py: no call %s in api.proto" % name)

    def call(self, name, request_json):
        service, m = self.method(name)
        req_cls = getattr(self.api, m.input_type.name)
        resp_cls = getattr(self.api, m.output_type.name)
        req = json_format.Parse(request_json or "{}", req_cls())
        stub = self.channel.unary_unary(
            "/%s/%s" % (service, name),
            request_serializer=req_cls.SerializeToString,
            response_deserializer=resp_cls.FromString)
        return stub(req, timeout=self.timeout)


def to_json(resp):
    doc = json_format.MessageToDict(resp, preserving_proto_field_name=True,
                                    including_default_value_fields=True)
    if resp.DESCRIPTOR.name == "ExecSyncResponse":
        doc["stdout"] = resp.stdout.decode("utf-8", "replace")
        doc["stderr"] = resp.stderr.decode("utf-8", "replace")
    return doc


def error_json(err):
    return {"error": {"code": err.code().name, "message": err.details()}}


def wait(client, images, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            status = client.call("Status", "{}")
            conds = {c.type: c.status for c in status.status.conditions}
            last = to_json(status)
            ready = conds.get("RuntimeReady") and conds.get("NetworkReady")
            for image in images if ready else ():
                found = client.call("ImageStatus", json.dumps({"image": {"image": image}}))
                last = {"image": image, "status": to_json(found)}
                ready = ready and found.image.id != ""
            if ready:
                return 0
        except grpc.RpcError as err:  # not serving yet
            last = error_json(err)
        if time.monotonic() > deadline:
            print(json.dumps(last, indent=1))
            return 1
        time.sleep(0.1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--address", required=True, help="containerd's socket")
    p.add_argument("--pb-dir", required=True, help="where api_pb2.py is or goes")
    p.add_argument("--timeout", type=float, default=60, help="seconds per call (wait: in all)")
    p.add_argument("method")
    p.add_argument("args", nargs="*")
    a = p.parse_args()
    client = Client(load_api(a.pb_dir), a.address, a.timeout)
    if a.method == "wait":
        return wait(client, a.args, a.timeout)
    if len(a.args) > 1:
        p.error("one request at most")
    request = a.args[0] if a.args else sys.stdin.read()
    try:
        resp = client.call(a.method, request)
    except grpc.RpcError as err:
        print(json.dumps(error_json(err)))
        return 1
    print(json.dumps(to_json(resp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
