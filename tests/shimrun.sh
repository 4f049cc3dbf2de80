#!/bin/bash
# shimrun's command line without containerd: a fake delegate records the
# argv it gets, so that we see what shimrun passes on, what it rewrites and
# what it refuses (fail closed).  tests/integration/ runs real containers.
set -u
. "$top_srcdir/tests/lib/containers.sh"
shimrun="$top_builddir/runtime/shimrun"
fx="$top_srcdir/tests/fixtures"
tmp=$(mktemp -d)
# Creates stack an idmapped rootfs (user namespaces); the fake delegate
# deletes nothing, so unmount what is left before removing.
cleanup() {
	unmount_below "$tmp"
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/checks.sh"
CHECK_DIR=$tmp
# Each command starts with no argv recorded by the fake delegate.
CHECK_BEFORE='rm -f "$tmp/argv"'

# The fake delegate: writes its arguments, one per line, and what the
# bundle's config.json holds when it runs.
cat >"$tmp/delegate" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$tmp/argv"
exit 0
EOF
chmod 755 "$tmp/delegate"
# No config file of the host's, no audit log outside tmp.
export SHIMRUN_CONFIG="$tmp/none.json"
printf '{}' >"$SHIMRUN_CONFIG"
export SHIMRUN_AUDIT_LOG="$tmp/audit.log"
export SHIMRUN_STATE_DIR="$tmp/state"

bundle() { # NAME FIXTURE: a bundle directory holding the fixture
	mkdir -p "$tmp/$1/rootfs" && cp "$fx/$2" "$tmp/$1/config.json"
}

# create: hardened in place, original kept, flags passed on unchanged
bundle ok ctr-default.json
expect "create" 0 "$shimrun" --delegate "$tmp/delegate" --root /run/x --log "$tmp/log.json" \
	--log-format json --systemd-cgroup create --bundle "$tmp/ok" --pid-file /p id1
has "globals passed on" "$tmp/argv" "--log-format"
hasnt "own flags not passed on" "$tmp/argv" "--delegate"
has "command passed on" "$tmp/argv" "create"
has "id passed on" "$tmp/argv" "id1"
has "config.json hardened" "$tmp/ok/config.json" '\"defaultAction\":\"SCMP_ACT_ERRNO\"'
has "its process through the seccomp loader" "$tmp/ok/config.json" '"/dev/.shim/seccomp-loader"'
has "the filter compiled into the cache" <(ls "$SHIMRUN_STATE_DIR/seccomp" 2>&1) ".bpf"
has "original kept" "$tmp/ok/config.json.orig" '"CAP_NET_RAW"'
hasnt "no temporary files left" <(ls -a "$tmp/ok") ".tmp-"
cp "$tmp/ok/config.json" "$tmp/hardened-once"
expect "retried create" 0 "$shimrun" --delegate "$tmp/delegate" create -b "$tmp/ok" id1
expect "retry changes nothing" 0 cmp "$tmp/ok/config.json" "$tmp/hardened-once"
has "audited" "$tmp/audit.log" '"decision":"hardened"'

# Properties that no runc field reads (the runtime-spec has runtimes ignore
# them): accepted, and left out of the spec runc gets; a key Go would fold
# to a field is refused.
bundle unknown ctr-default.json && sed -i '0,/"ociVersion"/s//"x-vendor": {"a": 1}, "ociVersion"/' "$tmp/unknown/config.json"
expect "an unknown top-level property" 0 "$shimrun" --delegate "$tmp/delegate" create -b "$tmp/unknown" id-unknown
hasnt "  left out of the hardened spec" "$tmp/unknown/config.json" "x-vendor"
has "  kept in the original" "$tmp/unknown/config.json.orig" "x-vendor"
bundle folded ctr-default.json && sed -i '0,/"ociVersion"/s//"HostName": "other", "ociVersion"/' "$tmp/folded/config.json"
expect "a key Go reads as a field" 1 "$shimrun" --delegate "$tmp/delegate" create -b "$tmp/folded" id-folded
has "  names the field" "$tmp/err" 'runc would read it as "hostname"'

# rejected: nothing runs, the message goes to stderr and the --log file
bundle net ctr-net-host.json
expect "rejected" 1 "$shimrun" --delegate "$tmp/delegate" --log "$tmp/log.json" \
	--log-format json create --bundle "$tmp/net" id2
has "message on stderr" "$tmp/err" "shimrun: rejected: host network namespace"
has "message in the log, as runc writes it" "$tmp/log.json" '{"level":"error","msg":"shimrun: rejected: host network namespace'
expect "delegate not run" 1 test -e "$tmp/argv"
has "rejection audited" "$tmp/audit.log" '"decision":"rejected"'
expect "spec untouched" 0 cmp "$tmp/net/config.json" "$fx/ctr-net-host.json"
expect "text log format" 1 "$shimrun" --delegate "$tmp/delegate" --log "$tmp/log.txt" create -b "$tmp/net" id2
has "text log line" "$tmp/log.txt" 'level=error msg="shimrun: rejected:'

# fail closed
printf '{"version":1,"controls":{"hooks":{"mode":"sometimes"}}}' >"$tmp/bad-policy.json"
expect "broken policy" 1 "$shimrun" --delegate "$tmp/delegate" --policy "$tmp/bad-policy.json" create -b "$tmp/ok" id3
has "policy error named" "$tmp/err" "/controls/hooks/mode"
expect "missing policy" 1 "$shimrun" --delegate "$tmp/delegate" --policy "$tmp/nope.json" create -b "$tmp/ok" id3
expect "missing delegate" 1 "$shimrun" --delegate "$tmp/nope" create -b "$tmp/ok" id3
has "delegate error named" "$tmp/err" "delegate runtime"
expect "missing bundle" 1 "$shimrun" --delegate "$tmp/delegate" create -b "$tmp/nope" id3
mkdir "$tmp/empty"
expect "no config.json" 1 "$shimrun" --delegate "$tmp/delegate" create -b "$tmp/empty" id3
bundle trunc ctr-default.json && truncate -s 100 "$tmp/trunc/config.json"
expect "truncated config.json" 1 "$shimrun" --delegate "$tmp/delegate" create -b "$tmp/trunc" id3
has "syntax error named" "$tmp/err" "line"
bundle huge ctr-default.json && truncate -s 100M "$tmp/huge/config.json"
expect "a 100 MB config.json" 1 "$shimrun" --delegate "$tmp/delegate" create -b "$tmp/huge" id3
has "size limit named" "$tmp/err" "larger than the 4 MiB limit"
bundle dup ctr-default.json && sed -i '0,/"ociVersion"/s//"hostname": "a", "hostname": "b", "ociVersion"/' "$tmp/dup/config.json"
expect "duplicate keys" 1 "$shimrun" --delegate "$tmp/delegate" create -b "$tmp/dup" id3
has "duplicate named" "$tmp/err" 'duplicate key "hostname"'
# The audit record of a spec that cannot be read says why, not only that.
grep '"id":"id3"' "$tmp/audit.log" | tail -n 1 >"$tmp/last-record"
has "  the reason in the audit record" "$tmp/last-record" 'duplicate key \"hostname\"'
has "  as an error" "$tmp/last-record" '"decision":"error","error":"'"$tmp"'/dup/config.json: line '
mkfifo "$tmp/empty/config.json"
expect "a FIFO as config.json" 1 "$shimrun" --delegate "$tmp/delegate" create -b "$tmp/empty" id3
# Nothing of a refused create is left in its bundle.
hasnt "no temporary files after refusals" <(ls -a "$tmp"/net "$tmp"/trunc "$tmp"/huge "$tmp"/dup) ".tmp-"
hasnt "no original copy after refusals" <(ls -a "$tmp"/net "$tmp"/trunc "$tmp"/huge "$tmp"/dup) "config.json.orig"
expect "unwritable audit log" 1 "$shimrun" --delegate "$tmp/delegate" --audit-log /proc/nope/audit create -b "$tmp/ok" id3
printf '{"polcy": "/x"}' >"$tmp/typo.json"
expect "misspelt config key" 1 env SHIMRUN_CONFIG="$tmp/typo.json" "$shimrun" --delegate "$tmp/delegate" state id1
expect "checkpoint refused" 1 "$shimrun" --delegate "$tmp/delegate" checkpoint id1
expect "restore refused" 1 "$shimrun" --delegate "$tmp/delegate" restore id1
expect "unknown global flag" 1 "$shimrun" --delegate "$tmp/delegate" --frobnicate state id1
expect "exec --cap refused" 1 "$shimrun" --delegate "$tmp/delegate" exec --cap CAP_SYS_ADMIN id1 sh

# settings from the environment and the config file
expect "delegate from the environment" 0 env SHIMRUN_DELEGATE="$tmp/delegate" "$shimrun" state id1
has "state passed through" "$tmp/argv" "state"
printf '{"delegate": "%s", "auditLog": "%s"}' "$tmp/delegate" "$tmp/audit2.log" >"$tmp/conf.json"
expect "config file" 0 env -u SHIMRUN_AUDIT_LOG SHIMRUN_CONFIG="$tmp/conf.json" "$shimrun" create -b "$tmp/ok" id4
has "audit log from the config file" "$tmp/audit2.log" '"id":"id4"'
# Run as shimrun-NAME (one link per runtime class), shimrun reads
# /etc/shim/shimrun-NAME.json, and refuses to run without it; SHIMRUN_CONFIG
# still wins.
ln -s "$(realpath "$shimrun")" "$tmp/shimrun-class$$"
expect "shimrun-NAME without its config" 1 env -u SHIMRUN_CONFIG "$tmp/shimrun-class$$" --delegate "$tmp/delegate" state id1
has "names the config it wants" "$tmp/err" "/etc/shim/shimrun-class$$.json"
expect "shimrun-NAME with SHIMRUN_CONFIG" 0 env SHIMRUN_CONFIG="$tmp/conf.json" "$tmp/shimrun-class$$" state id1

# pass-through commands keep their arguments exactly
for cmd in start "kill id1 KILL" "delete --force id1" "ps --format json id1" pause resume events features; do
	# shellcheck disable=SC2086
	expect "pass through: $cmd" 0 "$shimrun" --delegate "$tmp/delegate" --root /r $cmd
	has "arguments of $cmd" "$tmp/argv" "${cmd##* }"
done
expect "--version" 0 "$shimrun" --delegate "$tmp/delegate" --version
has "own version first" "$tmp/out" "shimrun "

# The pass-through path (runtime/shimrun_fast.c) execs the delegate before
# the C library starts.  What the delegate gets must be what main gives
# it: the same argv and environment as when main runs (a delegate named
# without a '/' is looked up in PATH by main).
cat >"$tmp/recorder" <<EOF
#!/bin/sh
{ printf '%s\n' "\$0" "\$@"; env | LC_ALL=C sort; } >"$tmp/recorded"
EOF
chmod 755 "$tmp/recorder"
for cmd in "state id1" "kill id1 9" "--debug --log=/l --log-format json start id1" "-root /r ps id1" "--systemd-cgroup=true list"; do
	# shellcheck disable=SC2086
	expect "by path: $cmd" 0 env PATH="$tmp:$PATH" "$shimrun" --delegate "$tmp/recorder" $cmd
	mv "$tmp/recorded" "$tmp/fast"
	# shellcheck disable=SC2086
	expect "by name: $cmd" 0 env PATH="$tmp:$PATH" "$shimrun" --delegate recorder $cmd
	expect "same argv and environment: $cmd" 0 cmp "$tmp/fast" "$tmp/recorded"
done
printf '{"delegate": "%s"}' "$tmp/recorder" >"$tmp/fast.json"
expect "delegate from a config file" 0 env SHIMRUN_CONFIG="$tmp/fast.json" "$shimrun" state id1
has "config file's delegate ran" "$tmp/recorded" "$tmp/recorder"
# Left to main: an escaped string (read as main reads it), a repeated key
# and an empty file (refused).
printf '{"delegate": "%s"}' "$(printf '%s' "$tmp/recorder" | sed 's,/,\\/,g')" >"$tmp/odd.json"
rm -f "$tmp/recorded"
expect "escaped delegate" 0 env SHIMRUN_CONFIG="$tmp/odd.json" "$shimrun" state id1
has "escaped delegate ran" "$tmp/recorded" "$tmp/recorder"
for conf in '{"delegate": "/x", "delegate": "/y"}' ''; do
	printf '%s' "$conf" >"$tmp/odd.json"
	expect "config '$conf' refused" 1 env SHIMRUN_CONFIG="$tmp/odd.json" "$shimrun" state id1
done
# Taken: no C library start-up (its TLS set-up, arch_prctl) between
# shimrun's exec and the delegate's, where the binary's entry point is
# shimrun_entry (the static x86_64 build; not sanitizer builds).
entry=$(readelf -h "$shimrun" 2>/dev/null | awk '/Entry point/ {print $4}')
fast=$(nm "$shimrun" 2>/dev/null | awk '$3 == "shimrun_entry" {print "0x" $1}')
startup() { # ARGS...: system calls of shimrun's C library start-up
	strace -f -e trace=execve,arch_prctl -o "$tmp/trace" "$shimrun" "$@" >/dev/null 2>&1
	awk '/execve\(/ {n++} n == 1 && /arch_prctl/ {c++} END {print c + 0}' "$tmp/trace"
}
if [ -n "$fast" ] && [ "$((entry))" -eq "$((fast))" ] && command -v strace >/dev/null; then
	expect "pass-through without start-up" 0 test "$(startup --delegate "$tmp/recorder" state id1)" -eq 0
	expect "create with start-up" 0 test "$(startup --delegate "$tmp/recorder" create -b "$tmp/ok" id1)" -gt 0
	expect "name looked up with start-up" 0 test "$(startup --delegate recorder state id1)" -gt 0
else
	echo "shimrun: note: entry point $entry is not shimrun_entry ($fast), or no strace: no pass-through path to check"
fi

summary shimrun
