#!/bin/bash
# The examples are read by what would read them: the Kubernetes YAML by a
# YAML parser (with the fields that matter checked), the containerd drop-in
# by containerd itself (`config dump` of a config that imports it).
set -u
ex="$top_srcdir/examples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/lib/checks.sh"

check "kubernetes YAML" python3 - "$ex/kubernetes/runtimeclass.yaml" "$ex/kubernetes/deployment.yaml" <<'PY'
import sys, yaml
rc = yaml.safe_load(open(sys.argv[1]))
assert rc["kind"] == "RuntimeClass" and rc["handler"] == "shim", rc
sched = rc["scheduling"]
assert sched["nodeSelector"] == {"workloadType": "untrusted",
                                 "sandbox.shim.dev/ready": "true"}, sched
assert {"key": "workloadType", "operator": "Equal", "value": "untrusted",
        "effect": "NoExecute"} in sched["tolerations"], sched
dep = yaml.safe_load(open(sys.argv[2]))
spec = dep["spec"]["template"]["spec"]
assert spec["runtimeClassName"] == rc["metadata"]["name"], spec
assert not spec.get("hostNetwork") and not spec.get("hostPID"), spec
PY

# The installer's manifests as they fit together: the DaemonSet runs the
# entrypoint the image holds (build-image.sh puts it in /opt/shim/bin), on
# the RuntimeClass's pool, with the node's root where the entrypoint looks
# for it; the labeller sets exactly the label the RuntimeClass requires,
# only while the installer's status says ready; the admission policy asks
# for that RuntimeClass.
check "installer manifests" python3 - "$ex/kubernetes" "$top_srcdir/configure.ac" <<'PY'
import os, re, sys, yaml
k = sys.argv[1]
version = re.search(r"AC_INIT\(\[[^]]*\], *\[([^]]*)\]", open(sys.argv[2]).read()).group(1)
rc = yaml.safe_load(open(os.path.join(k, "runtimeclass.yaml")))
docs = {d["kind"]: d for d in yaml.safe_load_all(open(os.path.join(k, "install/daemonset.yaml")))}
ds = docs["DaemonSet"]["spec"]["template"]["spec"]
installer, labeller = ds["containers"]
assert installer["image"].endswith("/shim-installer:" + version), installer["image"]
assert installer["command"] == ["/opt/shim/bin/shim-node-install", "install"], installer
entry = os.path.join(k, "install/shim-node-install")
assert os.access(entry, os.X_OK), entry
assert "/opt/shim/bin/" in open(os.path.join(k, "install/build-image.sh")).read()
env = {e["name"]: e.get("value") for e in installer["env"]}
mounts = {m["name"]: m["mountPath"] for m in installer["volumeMounts"]}
vols = {v["name"]: v for v in ds["volumes"]}
assert vols["host"]["hostPath"]["path"] == "/" and mounts["host"] == env["SHIM_HOST_ROOT"], (mounts, env)
assert env["SHIM_RUNTIME_NAME"] == rc["handler"] and env["SHIM_DEFAULT"] == "1", env
# shim as the pool's default would refuse the (privileged, hostPID)
# installer itself: it runs on plain runc.
assert docs["RuntimeClass"]["handler"] == "runc", docs["RuntimeClass"]
assert ds["runtimeClassName"] == docs["RuntimeClass"]["metadata"]["name"], ds
assert "SHIM_DEFAULT" in open(entry).read() and "--default" in open(entry).read()
assert ds["hostPID"] is True and installer["securityContext"]["privileged"] is True, ds
sel = dict(rc["scheduling"]["nodeSelector"])
ready = sel.pop("sandbox.shim.dev/ready")
assert ready == "true" and ds["nodeSelector"] == sel, (ds["nodeSelector"], sel)
assert ds["tolerations"] == rc["scheduling"]["tolerations"], ds["tolerations"]
script = docs["ConfigMap"]["data"]["label.sh"]
assert "label=sandbox.shim.dev/ready" in script and 'grep -qx ready' in script, script
assert vols["labeller"]["configMap"]["name"] == docs["ConfigMap"]["metadata"]["name"]
assert mounts["status"] == env["SHIM_STATUS_DIR"] == {m["name"]: m["mountPath"] for m in labeller["volumeMounts"]}["status"]
assert "grep -qxE 'ready|uninstalled' " + env["SHIM_STATUS_DIR"] + "/status" in installer["readinessProbe"]["exec"]["command"][2]
rules = docs["ClusterRole"]["rules"]
assert rules == [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "patch"]}], rules
vap, binding = yaml.safe_load_all(open(os.path.join(k, "install/admission-policy.yaml")))
assert "object.spec.runtimeClassName == '%s'" % rc["metadata"]["name"] in vap["spec"]["validations"][0]["expression"]
assert binding["spec"]["policyName"] == vap["metadata"]["name"], binding
PY

check "shimrun.json is what shimrun reads" python3 -c '
import json, sys
conf = json.load(open(sys.argv[1]))
assert set(conf) <= {"policy", "delegate", "auditLog"}, conf' "$ex/containerd/shimrun.json"

check "GPU YAML" python3 - "$ex/kubernetes/runtimeclass-gpu.yaml" "$ex/kubernetes/gpu-pod.yaml" <<'PY'
import sys, yaml
rc = yaml.safe_load(open(sys.argv[1]))
assert rc["kind"] == "RuntimeClass" and rc["handler"] == "shim-gpu", rc
assert rc["metadata"]["name"] == "shim-gpu", rc
sched = rc["scheduling"]
assert sched["nodeSelector"] == {"workloadType": "untrusted-gpu"}, sched
tol = sched["tolerations"]
assert {"key": "workloadType", "operator": "Equal", "value": "untrusted-gpu",
        "effect": "NoExecute"} in tol, tol
assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in tol, tol
pod = yaml.safe_load(open(sys.argv[2]))
assert pod["kind"] == "Pod", pod
spec = pod["spec"]
assert spec["runtimeClassName"] == rc["metadata"]["name"], spec
assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("volumes"), spec
(c,) = spec["containers"]
assert c["resources"]["limits"]["nvidia.com/gpu"] == 1, c
assert c["securityContext"]["allowPrivilegeEscalation"] is False, c
PY

check "shimrun-gpu.json names the GPU policy" python3 -c '
import json, sys
conf = json.load(open(sys.argv[1]))
assert set(conf) <= {"policy", "delegate", "auditLog"}, conf
assert conf["policy"] == "/etc/shim/policy/gpu.json", conf' "$ex/containerd/shimrun-gpu.json"

# The link shim-gpu.toml tells to make: run as shimrun-gpu, shimrun reads
# /etc/shim/shimrun-gpu.json (tests/shimrun.sh), which it tells to install.
check "shim-gpu.toml makes the shimrun-gpu link" grep -qxF \
	'#   ln -s shimrun /usr/local/bin/shimrun-gpu' "$ex/containerd/shim-gpu.toml"
check "and installs the config that name reads" grep -qxF \
	'#   install -m 644 shimrun-gpu.json /etc/shim/shimrun-gpu.json' "$ex/containerd/shim-gpu.toml"

# nvidia-container-runtime's config.toml, read as TOML (the toolkit reads
# it with go-toml): shimrun, as shimrun-gpu, is the low-level runtime.
check "nvidia-container-runtime.toml" python3 -c '
import sys, tomllib
conf = tomllib.load(open(sys.argv[1], "rb"))
rt = conf["nvidia-container-runtime"]
assert rt["runtimes"] == ["/usr/local/bin/shimrun-gpu"], rt
assert rt["mode"] in ("auto", "legacy", "cdi"), rt
assert conf["nvidia-container-runtime-hook"]["path"] == "nvidia-container-runtime-hook", conf' \
	"$ex/containerd/nvidia-container-runtime.toml"

if command -v containerd >/dev/null; then
	# dump CONFIG OUT: containerd's merged configuration, with the single
	# quotes containerd 2.x writes made double, as 1.6 writes them.
	dump() { containerd --config "$1" config dump | tr "'" '"' >"$2"; }
	major=$(containerd --version | awk '{print $3}' | sed 's/^v//; s/[.].*//')
	# containerd merges the drop-in the way the README says to import it.
	mkdir "$tmp/conf.d" && cp "$ex/containerd/shim.toml" "$tmp/conf.d/"
	printf 'version = 2\nimports = ["%s/conf.d/*.toml"]\n' "$tmp" >"$tmp/config.toml"
	check "containerd reads the drop-in" dump \
		"$tmp/config.toml" "$tmp/dump"
	check "the runtime class is there" grep -q 'runtimes.shim.options' "$tmp/dump"
	check "BinaryName is shimrun" grep -q 'BinaryName = "/usr/local/bin/shimrun"' "$tmp/dump"
	check "runc v2 shim" grep -q 'runtime_type = "io.containerd.runc.v2"' "$tmp/dump"

	# The GPU drop-in alone (containerd replaces the CRI plugin's section
	# per imported file: shim.toml and shim-gpu.toml do not combine).
	mkdir "$tmp/conf.gpu" && cp "$ex/containerd/shim-gpu.toml" "$tmp/conf.gpu/"
	printf 'version = 2\nimports = ["%s/conf.gpu/*.toml"]\n' "$tmp" >"$tmp/config-gpu.toml"
	check "containerd reads the GPU drop-in" dump \
		"$tmp/config-gpu.toml" "$tmp/dump-gpu"
	check "the shim-gpu class is there" grep -q 'runtimes.shim-gpu.options' "$tmp/dump-gpu"
	check "its BinaryName is the shimrun-gpu link" \
		grep -q 'BinaryName = "/usr/local/bin/shimrun-gpu"' "$tmp/dump-gpu"
	check "shim-gpu: runc v2 shim" grep -q 'runtime_type = "io.containerd.runc.v2"' "$tmp/dump-gpu"

	# The drop-in in nvidia-container-runtime.toml's header: the same
	# handler with the toolkit's runtime in front of shimrun.
	mkdir "$tmp/conf.nv"
	sed -n '/^# --- containerd drop-in ---$/,/^# --- end ---$/p' \
		"$ex/containerd/nvidia-container-runtime.toml" |
		sed -e '/^# ---/d' -e 's/^# \{0,1\}//' >"$tmp/conf.nv/shim-gpu.toml"
	printf 'version = 2\nimports = ["%s/conf.nv/*.toml"]\n' "$tmp" >"$tmp/config-nv.toml"
	check "containerd reads the toolkit variant" dump \
		"$tmp/config-nv.toml" "$tmp/dump-nv"
	check "the toolkit variant: shim-gpu handler" grep -q 'runtimes.shim-gpu.options' "$tmp/dump-nv"
	check "the toolkit variant: BinaryName nvidia-container-runtime" \
		grep -q 'BinaryName = "/usr/bin/nvidia-container-runtime"' "$tmp/dump-nv"

	# The version 3 drop-in, on the containerd that reads version 3.
	if [ "$major" -ge 2 ]; then
		mkdir "$tmp/conf.v3" && cp "$ex/containerd/shim-v3.toml" "$tmp/conf.v3/"
		printf 'version = 3\nimports = ["%s/conf.v3/*.toml"]\n' "$tmp" >"$tmp/config-v3.toml"
		check "containerd reads the version 3 drop-in" dump "$tmp/config-v3.toml" "$tmp/dump-v3"
		check "v3: the runtime class is in the CRI runtime plugin" \
			grep -qF '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.shim.options]' "$tmp/dump-v3"
		check "v3: BinaryName is shimrun" grep -q 'BinaryName = "/usr/local/bin/shimrun"' "$tmp/dump-v3"
		check "v3: runc v2 shim" grep -q 'runtime_type = "io.containerd.runc.v2"' "$tmp/dump-v3"
	else
		echo "SKIP: the version 3 drop-in needs containerd 2.x (this is $(containerd --version | awk '{print $3}'))"
	fi
else
	bad "containerd not installed"
fi
summary examples
