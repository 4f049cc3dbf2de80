#!/bin/sh
# Usage: seeds.sh OUTDIR
# Fills OUTDIR/<target>/ with seed inputs for the libFuzzer targets, from
# the repository's real files (nothing large is kept in git), and writes a
# libFuzzer dictionary OUTDIR/<target>.dict of the names the library knows.
#   fuzz_spec     tests/fixtures/*.json, tests/fuzz/seeds/fuzz_spec/*
#   fuzz_policy   profiles/policy/default.json and gpu.json, a few overlays made here,
#                 tests/fuzz/seeds/fuzz_policy/*
#   fuzz_cli      command lines and config files made here
#   fuzz_seccomp  profiles/seccomp/sandbox.json, the linux.seccomp of
#                 tests/fixtures/ctr-seccomp.json, tests/fuzz/seeds/fuzz_seccomp/*
# Environment: top_srcdir (default: two levels above this script).
set -eu
out=${1:?usage: seeds.sh OUTDIR}
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
here=$top/tests/fuzz

mkdir -p "$out/fuzz_spec" "$out/fuzz_policy" "$out/fuzz_seccomp" "$out/fuzz_cli"
# fuzz_cli: command lines as containerd's runc shim gives them, NUL-separated.
printf '%s\0' --root /run/containerd/runc/k8s.io --log /run/log.json --log-format json \
  --systemd-cgroup create --bundle /run/b --pid-file /run/pid id1 > "$out/fuzz_cli/create"
printf '%s\0' --root=/r --delegate /usr/sbin/runc exec --process /tmp/p --detach --pid-file /p id1 \
  > "$out/fuzz_cli/exec"
printf '%s\0' -debug -root /r run -b . -d id2 > "$out/fuzz_cli/run"
# ... and config files, as shimrun.json holds them.
printf '{"delegate": "/usr/sbin/runc", "policy": "/etc/shim/gpu.json"}\n' > "$out/fuzz_cli/config"
printf ' { "auditLog" : "/var/log/a", "stateDir":"/run/s" }' > "$out/fuzz_cli/config2"

# Copies a file under a name that says where it came from.
seed() { cp "$2" "$out/$1/$(echo "$2" | sed "s|^$top/||; s|/|_|g")"; }

# ---- specs
for f in "$top"/tests/fixtures/*.json "$here"/seeds/fuzz_spec/*; do
  [ -f "$f" ] && seed fuzz_spec "$f"
done

# ---- policies
seed fuzz_policy "$top/profiles/policy/default.json"
seed fuzz_policy "$top/profiles/policy/gpu.json"
for f in "$here"/seeds/fuzz_policy/*; do
  [ -f "$f" ] && seed fuzz_policy "$f"
done
# Overlays that need this checkout's absolute paths.
printf '{"version": 1, "controls": {"seccomp": {"profile": "%s"}}}\n' \
  "$top/profiles/seccomp/sandbox.json" > "$out/fuzz_policy/overlay-profile-file.json"
printf '{"version": 1, "name": "modes", "controls": {"host-namespaces": {"mode": "warn"}, "capabilities": {"mode": "off"}, "seccomp": {"mode": "off"}, "pids-limit": {"mode": "warn", "default": 64}}}\n' \
  > "$out/fuzz_policy/overlay-modes.json"

# ---- seccomp profiles
seed fuzz_seccomp "$top/profiles/seccomp/sandbox.json"
for f in "$here"/seeds/fuzz_seccomp/*; do
  [ -f "$f" ] && seed fuzz_seccomp "$f"
done
extract() { # FILE: its linux.seccomp on stdout
  if command -v jq >/dev/null 2>&1; then
    jq '.linux.seccomp' "$1"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["linux"]["seccomp"], indent=2))' "$1"
  else
    return 1
  fi
}
extract "$top/tests/fixtures/ctr-seccomp.json" > "$out/fuzz_seccomp/ctr-seccomp.linux.seccomp.json" ||
  { rm -f "$out/fuzz_seccomp/ctr-seccomp.linux.seccomp.json"; echo "seeds.sh: no jq or python3: ctr-seccomp's profile left out" >&2; }

# ---- dictionaries: JSON tokens and every quoted name in the sources that
# read each input (field names, actions, capability names, ...).
dict() { # TARGET SOURCES...
  t=$1
  shift
  {
    for tok in '{' '}' '[' ']' ':' ',' '""' 'null' 'true' 'false' '-1' '0' \
      '4294967295' '9223372036854775807' '-9223372036854775808' '1e1' '0.5' \
      '\\u0000' '\\ud800' '\\u017f' '\\"'; do
      printf '"%s"\n' "$(printf '%s' "$tok" | sed 's/"/\\"/g')"
    done
    cat "$@" | grep -o '"[A-Za-z_/][A-Za-z0-9_./-]*"' | sort -u |
      sed 's/"\(.*\)"/"\\"\1\\""/'
  } > "$out/$t.dict"
}
src=$top/libshim
dict fuzz_spec "$src/schema.c" "$src/check.c" "$src/policy.c"
dict fuzz_policy "$src/policy.c" "$src/check.c" "$src/harden.c" "$src/devices.c" "$src/hooks.c" \
  "$top/profiles/policy/default.json" "$top/profiles/policy/gpu.json"
dict fuzz_seccomp "$src/seccomp.c"
dict fuzz_cli "$top/runtime/shimrun_args.c"
