#!/bin/bash
# The examples are read by what would read them: the Kubernetes YAML by a
# YAML parser (with the fields that matter checked), the containerd drop-in
# by containerd itself (`config dump` of a config that imports it).
set -u
ex="$top_srcdir/examples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # NAME COMMAND...
	local name=$1; shift
	if "$@" >"$tmp/out" 2>&1; then pass=$((pass + 1)); else
		echo "FAIL: $name"; cat "$tmp/out"; fail=$((fail + 1)); fi
}

check "kubernetes YAML" python3 - "$ex/kubernetes/runtimeclass.yaml" "$ex/kubernetes/deployment.yaml" <<'PY'
import sys, yaml
rc = yaml.safe_load(open(sys.argv[1]))
assert rc["kind"] == "RuntimeClass" and rc["handler"] == "shim", rc
sched = rc["scheduling"]
assert sched["nodeSelector"] == {"workloadType": "untrusted"}, sched
assert {"key": "workloadType", "operator": "Equal", "value": "untrusted",
        "effect": "NoExecute"} in sched["tolerations"], sched
dep = yaml.safe_load(open(sys.argv[2]))
spec = dep["spec"]["template"]["spec"]
assert spec["runtimeClassName"] == rc["metadata"]["name"], spec
assert not spec.get("hostNetwork") and not spec.get("hostPID"), spec
PY

check "shimrun.json is what shimrun reads" python3 -c '
import json, sys
conf = json.load(open(sys.argv[1]))
assert set(conf) <= {"policy", "delegate", "auditLog"}, conf' "$ex/containerd/shimrun.json"

if command -v containerd >/dev/null; then
	# containerd merges the drop-in the way the README says to import it.
	mkdir "$tmp/conf.d" && cp "$ex/containerd/shim.toml" "$tmp/conf.d/"
	printf 'version = 2\nimports = ["%s/conf.d/*.toml"]\n' "$tmp" >"$tmp/config.toml"
	check "containerd reads the drop-in" sh -c 'containerd --config "$1" config dump >"$2"' sh \
		"$tmp/config.toml" "$tmp/dump"
	check "the runtime class is there" grep -q 'runtimes.shim.options' "$tmp/dump"
	check "BinaryName is shimrun" grep -q 'BinaryName = "/usr/local/bin/shimrun"' "$tmp/dump"
	check "runc v2 shim" grep -q 'runtime_type = "io.containerd.runc.v2"' "$tmp/dump"
else
	echo "FAIL: containerd not installed"; fail=$((fail + 1))
fi
echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
