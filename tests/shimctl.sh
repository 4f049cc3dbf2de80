#!/bin/sh
# shimctl end to end: exit codes, output, errors on stderr.
set -u
shimctl="$top_builddir/runtime/shimctl"
fx="$top_srcdir/tests/fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/lib/checks.sh"
CHECK_DIR=$tmp

expect "allowed spec" 0 "$shimctl" check "$fx/ctr-default.json"
has "allowed summary" "$tmp/out" "verdict: allowed"
has "harden finding" "$tmp/out" "harden  seccomp"

expect "rejected spec" 1 "$shimctl" check "$fx/ctr-net-host.json"
has "rejected finding" "$tmp/out" 'reject  host-namespaces    /linux/namespaces: host network namespace: no "network" entry (hostNetwork: true)'

expect "json format" 1 "$shimctl" check --format json "$fx/ctr-privileged.json"
has "json verdict" "$tmp/out" '"verdict": "rejected"'

mkdir "$tmp/bundle" && cp "$fx/ctr-bind-root.json" "$tmp/bundle/config.json"
expect "bundle dir" 1 "$shimctl" check "$tmp/bundle"
has "bundle finding" "$tmp/out" "hostPath volume /"

printf '{"linux":{"namespaces":[{"type":"pid"},{"type":"uts"},{"type":7}]}}' >"$tmp/bad.json"
expect "bad type" 2 "$shimctl" check "$tmp/bad.json"
has "bad type message" "$tmp/err" "/linux/namespaces/2/type: expected string, found integer"

printf '{"hostname":"a","hostname":"b"}' >"$tmp/dup.json"
expect "duplicate keys" 2 "$shimctl" check "$tmp/dup.json"
has "duplicate message" "$tmp/err" 'duplicate key "hostname"'

head -c 100 "$fx/ctr-default.json" >"$tmp/trunc.json"
expect "truncated" 2 "$shimctl" check "$tmp/trunc.json"
expect "missing file" 2 "$shimctl" check "$tmp/nonexistent.json"
has "missing message" "$tmp/err" "No such file or directory"

printf '{"version":1,"controls":{"hooks":{"mode":"sometimes"}}}' >"$tmp/policy.json"
expect "broken policy" 2 "$shimctl" check --policy "$tmp/policy.json" "$fx/ctr-default.json"
has "broken policy message" "$tmp/err" "/controls/hooks/mode"

printf '{"version":1,"controls":{"host-namespaces":{"mode":"warn"},"host-mounts":{"mode":"warn"}}}' >"$tmp/warn.json"
expect "warn policy" 0 "$shimctl" check --policy "$tmp/warn.json" "$fx/ctr-net-host.json"
has "warn verdict" "$tmp/out" "warn    host-namespaces"

expect "policy show" 0 "$shimctl" policy show
has "policy show content" "$tmp/out" '"host-namespaces": {'
expect "policy show overlay" 0 "$shimctl" policy show --policy "$tmp/warn.json"
has "policy show mode" "$tmp/out" '"mode": "warn"'

# harden
expect "harden to a file" 0 "$shimctl" harden "$fx/ctr-default.json" -o "$tmp/hard.json"
has "harden lists changes" "$tmp/out" "changed seccomp"
has "hardened spec written" "$tmp/hard.json" '"noNewPrivileges": true'
expect "hardened spec checks clean" 0 "$shimctl" check "$tmp/hard.json"
expect "hardening again" 0 "$shimctl" harden "$tmp/hard.json" -o "$tmp/hard2.json"
expect "idempotent" 0 cmp "$tmp/hard.json" "$tmp/hard2.json"
expect "harden to stdout" 0 "$shimctl" harden "$fx/ctr-default.json"
has "spec on stdout" "$tmp/out" '"ociVersion"'
has "report on stderr" "$tmp/err" "changed capabilities"
expect "harden --diff" 0 "$shimctl" harden --diff "$fx/ctr-default.json"
has "diff shows a dropped capability" "$tmp/out" '-        "CAP_NET_RAW",'
expect "harden json report" 0 "$shimctl" harden --format json "$fx/ctr-default.json" -o "$tmp/hard3.json"
has "json changes" "$tmp/out" '"changes": ['
expect "harden refuses a rejected spec" 1 "$shimctl" harden "$fx/ctr-privileged.json" -o "$tmp/never.json"
expect "nothing written" 1 test -e "$tmp/never.json"

# seccomp
expect "seccomp compile" 0 "$shimctl" seccomp compile policy -o "$tmp/s.bpf"
has "instruction count" "$tmp/out" "BPF instructions, compiled in"
expect "bpf written" 0 test -s "$tmp/s.bpf"
expect "seccomp dump" 0 "$shimctl" seccomp dump policy
has "pseudo filter code" "$tmp/out" "filter for arch x86_64"
expect "explain denied" 0 "$shimctl" seccomp explain policy io_uring_setup
has "explain action" "$tmp/out" "io_uring_setup: SCMP_ACT_ERRNO (errno 1, EPERM), decided by /syscalls/"
expect "explain clone3" 0 "$shimctl" seccomp explain policy clone3
has "clone3 ENOSYS" "$tmp/out" "(errno 38, ENOSYS)"
expect "explain clone flags" 0 "$shimctl" seccomp explain policy clone 0x10000000
has "clone NEWUSER" "$tmp/out" "EPERM"
expect "explain allowed" 0 "$shimctl" seccomp explain policy read
has "read allowed" "$tmp/out" "read: SCMP_ACT_ALLOW"
jq '.linux.seccomp' "$fx/ctr-seccomp.json" >"$tmp/containerd-profile.json"
expect "explain containerd's profile" 0 "$shimctl" seccomp explain "$tmp/containerd-profile.json" ptrace
has "containerd allows ptrace" "$tmp/out" "ptrace: SCMP_ACT_ALLOW"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOPE"}]}' >"$tmp/bad-profile.json"
expect "malformed profile" 2 "$shimctl" seccomp compile "$tmp/bad-profile.json" -o "$tmp/x.bpf"
has "profile error pointer" "$tmp/err" "/syscalls/0/action"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","no_such_call"],"action":"SCMP_ACT_ALLOW"}]}' >"$tmp/unknown.json"
expect "unknown syscall is a warning" 0 "$shimctl" seccomp compile "$tmp/unknown.json" -o "$tmp/x.bpf"
has "warning named" "$tmp/err" 'unknown syscall "no_such_call"'
expect "unknown syscall to explain" 2 "$shimctl" seccomp explain policy no_such_call

expect "usage" 2 "$shimctl" check
expect "unknown command" 2 "$shimctl" frobnicate
expect "help" 0 "$shimctl" --help
has "help text" "$tmp/out" "Usage: shimctl"
expect "version" 0 "$shimctl" --version
has "version text" "$tmp/out" "shimctl "

summary shimctl
