#!/bin/sh
# shimctl end to end: exit codes, output, errors on stderr.
set -u
shimctl="$top_builddir/runtime/shimctl"
fx="$top_srcdir/tests/fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

# expect NAME EXIT_CODE COMMAND...: runs it, compares the exit code.
expect() {
  name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
    echo "FAIL: $name: exit $got, want $want"; cat "$tmp/out" "$tmp/err"; fail=$((fail + 1)); fi
}
# grep_in NAME FILE PATTERN: the last command's output must match.
grep_in() {
  if grep -qF -- "$3" "$tmp/$2"; then pass=$((pass + 1)); else
    echo "FAIL: $1: '$3' not in $2:"; cat "$tmp/$2"; fail=$((fail + 1)); fi
}

expect "allowed spec" 0 "$shimctl" check "$fx/ctr-default.json"
grep_in "allowed summary" out "verdict: allowed"
grep_in "harden finding" out "harden  seccomp"

expect "rejected spec" 1 "$shimctl" check "$fx/ctr-net-host.json"
grep_in "rejected finding" out 'reject  host-namespaces    /linux/namespaces: host network namespace: no "network" entry (hostNetwork: true)'

expect "json format" 1 "$shimctl" check --format json "$fx/ctr-privileged.json"
grep_in "json verdict" out '"verdict": "rejected"'

mkdir "$tmp/bundle" && cp "$fx/ctr-bind-root.json" "$tmp/bundle/config.json"
expect "bundle dir" 1 "$shimctl" check "$tmp/bundle"
grep_in "bundle finding" out "hostPath volume /"

printf '{"linux":{"namespaces":[{"type":"pid"},{"type":"uts"},{"type":7}]}}' >"$tmp/bad.json"
expect "bad type" 2 "$shimctl" check "$tmp/bad.json"
grep_in "bad type message" err "/linux/namespaces/2/type: expected string, found integer"

printf '{"hostname":"a","hostname":"b"}' >"$tmp/dup.json"
expect "duplicate keys" 2 "$shimctl" check "$tmp/dup.json"
grep_in "duplicate message" err 'duplicate key "hostname"'

head -c 100 "$fx/ctr-default.json" >"$tmp/trunc.json"
expect "truncated" 2 "$shimctl" check "$tmp/trunc.json"
expect "missing file" 2 "$shimctl" check "$tmp/nonexistent.json"
grep_in "missing message" err "No such file or directory"

printf '{"version":1,"controls":{"hooks":{"mode":"sometimes"}}}' >"$tmp/policy.json"
expect "broken policy" 2 "$shimctl" check --policy "$tmp/policy.json" "$fx/ctr-default.json"
grep_in "broken policy message" err "/controls/hooks/mode"

printf '{"version":1,"controls":{"host-namespaces":{"mode":"warn"},"host-mounts":{"mode":"warn"}}}' >"$tmp/warn.json"
expect "warn policy" 0 "$shimctl" check --policy "$tmp/warn.json" "$fx/ctr-net-host.json"
grep_in "warn verdict" out "warn    host-namespaces"

expect "policy show" 0 "$shimctl" policy show
grep_in "policy show content" out '"host-namespaces": {'
expect "policy show overlay" 0 "$shimctl" policy show --policy "$tmp/warn.json"
grep_in "policy show mode" out '"mode": "warn"'

# harden
expect "harden to a file" 0 "$shimctl" harden "$fx/ctr-default.json" -o "$tmp/hard.json"
grep_in "harden lists changes" out "changed seccomp"
grep_in "hardened spec written" hard.json '"noNewPrivileges": true'
expect "hardened spec checks clean" 0 "$shimctl" check "$tmp/hard.json"
expect "hardening again" 0 "$shimctl" harden "$tmp/hard.json" -o "$tmp/hard2.json"
expect "idempotent" 0 cmp "$tmp/hard.json" "$tmp/hard2.json"
expect "harden to stdout" 0 "$shimctl" harden "$fx/ctr-default.json"
grep_in "spec on stdout" out '"ociVersion"'
grep_in "report on stderr" err "changed capabilities"
expect "harden --diff" 0 "$shimctl" harden --diff "$fx/ctr-default.json"
grep_in "diff shows a dropped capability" out '-        "CAP_NET_RAW",'
expect "harden json report" 0 "$shimctl" harden --format json "$fx/ctr-default.json" -o "$tmp/hard3.json"
grep_in "json changes" out '"changes": ['
expect "harden refuses a rejected spec" 1 "$shimctl" harden "$fx/ctr-privileged.json" -o "$tmp/never.json"
expect "nothing written" 1 test -e "$tmp/never.json"

# seccomp
expect "seccomp compile" 0 "$shimctl" seccomp compile policy -o "$tmp/s.bpf"
grep_in "instruction count" out "BPF instructions, compiled in"
expect "bpf written" 0 test -s "$tmp/s.bpf"
expect "seccomp dump" 0 "$shimctl" seccomp dump policy
grep_in "pseudo filter code" out "filter for arch x86_64"
expect "explain denied" 0 "$shimctl" seccomp explain policy io_uring_setup
grep_in "explain action" out "io_uring_setup: SCMP_ACT_ERRNO (errno 1, EPERM), decided by /syscalls/"
expect "explain clone3" 0 "$shimctl" seccomp explain policy clone3
grep_in "clone3 ENOSYS" out "(errno 38, ENOSYS)"
expect "explain clone flags" 0 "$shimctl" seccomp explain policy clone 0x10000000
grep_in "clone NEWUSER" out "EPERM"
expect "explain allowed" 0 "$shimctl" seccomp explain policy read
grep_in "read allowed" out "read: SCMP_ACT_ALLOW"
jq '.linux.seccomp' "$fx/ctr-seccomp.json" >"$tmp/containerd-profile.json"
expect "explain containerd's profile" 0 "$shimctl" seccomp explain "$tmp/containerd-profile.json" ptrace
grep_in "containerd allows ptrace" out "ptrace: SCMP_ACT_ALLOW"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOPE"}]}' >"$tmp/bad-profile.json"
expect "malformed profile" 2 "$shimctl" seccomp compile "$tmp/bad-profile.json" -o "$tmp/x.bpf"
grep_in "profile error pointer" err "/syscalls/0/action"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","no_such_call"],"action":"SCMP_ACT_ALLOW"}]}' >"$tmp/unknown.json"
expect "unknown syscall is a warning" 0 "$shimctl" seccomp compile "$tmp/unknown.json" -o "$tmp/x.bpf"
grep_in "warning named" err 'unknown syscall "no_such_call"'
expect "unknown syscall to explain" 2 "$shimctl" seccomp explain policy no_such_call

expect "usage" 2 "$shimctl" check
expect "unknown command" 2 "$shimctl" frobnicate
expect "help" 0 "$shimctl" --help
grep_in "help text" out "Usage: shimctl"
expect "version" 0 "$shimctl" --version
grep_in "version text" out "shimctl "

echo "shimctl: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
