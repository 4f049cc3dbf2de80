# shellcheck shell=bash
# tests/lib/containerd.sh - helpers for integration tests that need a real
# containerd.  Source it; do not execute it.
#
#   require_containerd NAME exit 77 (skip) unless root with containerd,
#                           ctr, runc, umoci and jq; exit 1 when $SHIMRUN
#                           is not an executable
#   ctrd_start DIR [CRI.toml]
#                           private containerd, everything under DIR; with
#                           CRI.toml, the CRI plugin is on, configured by
#                           that file's [plugins."io.containerd.grpc.v1.cri"]
#                           tables (appended to the config as they are)
#   ctr_ ARGS...            ctr bound to that containerd (namespace shimtest)
#   busybox_image DIR [REF [CMD...]]
#                           build + import a busybox image (command CMD,
#                           default /bin/sh), print REF
#   ctrd_stop DIR           stop it, unmount leftovers, remove DIR
#
# Only tools from Debian's archive are used: containerd/ctr, runc, umoci,
# busybox-static, jq, plus base-system coreutils, util-linux, procps, tar,
# gawk/mawk, grep, sed.  Run as root.  Pass DIR as an absolute path.
#
# Known leaks outside DIR (containerd 1.6 limitations): the runc v2 shim
# puts its ttrpc socket in /run/containerd/s/<hash> (the hash covers our
# socket path, so it cannot collide with a system containerd), and
# `ctr run` keeps stdio FIFOs in /run/containerd/fifo unless given
# --fifo-dir.  Both are removed when their owner exits; ctrd_stop removes
# the then-empty directories if ctrd_start created /run/containerd.
# Likewise pass `--runc-root DIR/runc` to `ctr run` to keep runc's state
# out of /run/containerd/runc.

require_containerd() {
	local name=$1 tool
	[ "$(id -u)" -eq 0 ] || { echo "$name: SKIP: must run as root"; exit 77; }
	for tool in containerd ctr runc umoci jq; do
		command -v "$tool" >/dev/null || { echo "$name: SKIP: $tool not installed"; exit 77; }
	done
	[ -x "$SHIMRUN" ] || { echo "$name: FAIL: no shimrun at $SHIMRUN"; exit 1; }
}

# Namespace for everything tests create; keeps them apart from "default".
CTRD_NAMESPACE=${CTRD_NAMESPACE:-shimtest}
# How long to wait for the daemon to answer before declaring failure.
CTRD_START_TIMEOUT=${CTRD_START_TIMEOUT:-20}
# Image reference busybox_image uses when none is given.
CTRD_BUSYBOX_REF=${CTRD_BUSYBOX_REF:-docker.io/library/busybox:shimtest}

_ctrd_log() { echo "containerd.sh: $*" >&2; }

# mountinfo and /proc show canonical paths; compare against those only.
_ctrd_abs() { realpath -m -- "$1"; }

# ctr bound to the private daemon.  A function rather than only $CTR so
# that a DIR containing spaces still works.
ctr_() {
	ctr --address "${CTRD_ADDRESS:?ctrd_start not called}" \
		--namespace "$CTRD_NAMESPACE" "$@"
}

# ctr for an explicit DIR, for helpers that must not rely on the globals.
_ctrd_ctr() {
	local dir=$1
	shift
	ctr --address "$dir/containerd.sock" --namespace "$CTRD_NAMESPACE" "$@"
}

# Everything that could collide with a system containerd (root, state,
# sockets, opt plugin dir, temp) is pointed into DIR.  CRI is disabled
# unless asked for: it wants CNI and would only slow start-up and add
# noise to the log.
_ctrd_write_config() {
	local dir=$1 cri=${2:-} disabled='disabled_plugins = ["io.containerd.grpc.v1.cri"]'
	[ -z "$cri" ] || disabled=
	cat >"$dir/config.toml" <<TOML || return 1
version = 2
root = "$dir/root"
state = "$dir/state"
temp = "$dir/tmp"
$disabled

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[debug]
  address = "$dir/debug.sock"
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
TOML
	[ -z "$cri" ] || cat -- "$cri" >>"$dir/config.toml"
}

# True while PID is the containerd we started for DIR; guards against
# signalling a recycled pid.
_ctrd_is_ours() {
	local pid=$1 dir=$2
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
		[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" = \
			"containerd --config $dir/config.toml " ]
}

# The daemon's pid, found by its exact command line: $! may name setsid
# rather than containerd (setsid forks when run as a group leader, e.g.
# from an interactive shell with job control).
_ctrd_find_pid() {
	local dir=$1 p
	for p in /proc/[0-9]*; do
		if _ctrd_is_ours "${p#/proc/}" "$dir"; then
			echo "${p#/proc/}"
			return 0
		fi
	done
	return 1
}

ctrd_start() {
	local dir i launcher
	dir=$(_ctrd_abs "${1:?usage: ctrd_start DIR [CRI.toml]}")
	mkdir -p "$dir/root" "$dir/state" "$dir/tmp" "$dir/opt" || return 1
	# Remember whether the shim socket dir (see header) is ours to remove.
	[ -e /run/containerd ] || : >"$dir/created-run-containerd"
	_ctrd_write_config "$dir" "${2:-}" || return 1

	# setsid: a Ctrl-C aimed at the test must not kill the daemon before
	# the trap has had a chance to shut it down in order.
	setsid containerd --config "$dir/config.toml" \
		>"$dir/containerd.log" 2>&1 </dev/null &
	launcher=$!
	echo "$launcher" >"$dir/containerd.pid"

	export CTRD_DIR=$dir
	export CTRD_ADDRESS=$dir/containerd.sock
	export CTR="ctr --address $CTRD_ADDRESS --namespace $CTRD_NAMESPACE"

	for ((i = 0; i < CTRD_START_TIMEOUT * 10; i++)); do
		if ctr --address "$CTRD_ADDRESS" version >/dev/null 2>&1; then
			_ctrd_find_pid "$dir" >"$dir/containerd.pid" && return 0
		fi
		if ! kill -0 "$launcher" 2>/dev/null && ! _ctrd_find_pid "$dir" >/dev/null; then
			_ctrd_log "containerd exited during start-up; log:"
			tail -n 30 "$dir/containerd.log" >&2
			return 1
		fi
		sleep 0.1
	done
	_ctrd_log "containerd did not answer within ${CTRD_START_TIMEOUT}s; log:"
	tail -n 30 "$dir/containerd.log" >&2
	return 1
}

# Tasks must go before the daemon: their shims are detached and would
# otherwise outlive it, keeping rootfs mounts busy.
_ctrd_remove_containers() {
	local addr=$1 ns c
	ctr --address "$addr" version >/dev/null 2>&1 || return 0
	for ns in $(ctr --address "$addr" namespaces ls -q 2>/dev/null); do
		for c in $(ctr --address "$addr" -n "$ns" tasks ls -q 2>/dev/null); do
			ctr --address "$addr" -n "$ns" tasks kill -a -s KILL "$c" >/dev/null 2>&1
			ctr --address "$addr" -n "$ns" tasks delete -f "$c" >/dev/null 2>&1
		done
		for c in $(ctr --address "$addr" -n "$ns" containers ls -q 2>/dev/null); do
			ctr --address "$addr" -n "$ns" containers delete "$c" >/dev/null 2>&1
		done
	done
	return 0
}

# SIGTERM, then SIGKILL after 10 s; polls /proc because the caller is
# rarely the daemon's parent (ctrd_stop runs in a subshell), so `wait`
# can't be used.
_ctrd_kill_pid() {
	local pid=$1 dir=$2 i
	_ctrd_is_ours "$pid" "$dir" || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		_ctrd_is_ours "$pid" "$dir" || break
		sleep 0.1
	done
	if _ctrd_is_ours "$pid" "$dir"; then
		kill -KILL "$pid" 2>/dev/null
		sleep 0.2
	fi
	return 0
}

# Shims that survived (daemon crashed, task delete failed) are found by
# the socket address on their command line, which names our DIR only.
# Their children (container inits) go first: a shim killed alone leaves
# the container running, reparented to init.
_ctrd_kill_shims() {
	local addr=$1 p pid args
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		args=$(tr '\0' '\n' 2>/dev/null <"$p/cmdline") || continue
		case $(head -n 1 <<<"$args") in *containerd-shim*) ;; *) continue ;; esac
		grep -qxF -- "$addr" <<<"$args" || continue
		pkill -KILL -P "$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
		_ctrd_rm_shim_socket "$addr" "$args"
	done
	return 0
}

# A SIGKILLed shim leaves its socket behind in /run/containerd/s; its name
# is sha256(ADDRESS/NAMESPACE/ID) (containerd 1.6 runtime/v2/shim).
_ctrd_rm_shim_socket() {
	local addr=$1 args=$2 ns id hash
	ns=$(grep -A1 -xF -- -namespace <<<"$args" | sed -n 2p)
	id=$(grep -A1 -xF -- -id <<<"$args" | sed -n 2p)
	[ -n "$ns" ] && [ -n "$id" ] || return 0
	hash=$(printf '%s' "$addr/$ns/$id" | sha256sum | cut -d' ' -f1)
	[ -S "/run/containerd/s/$hash" ] && rm -f -- "/run/containerd/s/$hash"
	return 0
}

# Mount points under DIR, deepest first, octal escapes (\040) decoded.
_ctrd_mounts_under() {
	local dir=$1
	awk -v d="$dir" '{
		m = $5
		while (match(m, /\\[0-7][0-7][0-7]/)) {
			c = sprintf("%c", (substr(m, RSTART+1, 1) * 64) + (substr(m, RSTART+2, 1) * 8) + substr(m, RSTART+3, 1))
			m = substr(m, 1, RSTART-1) c substr(m, RSTART+4)
		}
		if (m == d || index(m, d "/") == 1) print length(m) "\t" m
	}' /proc/self/mountinfo | sort -rn | cut -f2-
}

_ctrd_unmount_under() {
	local dir=$1 m
	while IFS= read -r m; do
		umount -l -- "$m" 2>/dev/null || _ctrd_log "could not unmount $m"
	done < <(_ctrd_mounts_under "$dir")
	return 0
}

# Cgroups our containers used, relative to each hierarchy: every bundle's
# cgroupsPath (left behind when a task dies with the daemon) plus one
# directory per containerd namespace (ctr's default parent, /NS/ID, which
# runc never removes).  Must run while the bundles still exist.
_ctrd_cgroups_of() {
	local dir=$1 cfg ns
	for cfg in "$dir"/state/io.containerd.runtime.v2.task/*/*/config.json; do
		[ -r "$cfg" ] && jq -r '.linux.cgroupsPath // empty' "$cfg"
	done
	for ns in "$dir"/state/io.containerd.runtime.v2.task/*/; do
		[ -d "$ns" ] && echo "/$(basename "$ns")"
	done
	echo "/$CTRD_NAMESPACE"
}

# rmdir only removes empty cgroups, so a namespace cgroup another test
# instance is still using survives.  Systemd-style paths (a:b:c) are left
# to systemd.
_ctrd_rm_cgroups() {
	local cgs=$1 m p
	while IFS= read -r m; do
		while IFS= read -r p; do
			case $p in *:* | "" | / | *..*) continue ;; esac
			[ -d "$m$p" ] && rmdir -- "$m$p" 2>/dev/null
		done < <(sort -u <<<"$cgs" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
	done < <(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") {
		if ($(i+1) == "cgroup" || $(i+1) == "cgroup2") print $5; break } }' /proc/self/mountinfo)
	return 0
}

# Idempotent and never fails, so it is safe in `trap ... EXIT`.  The
# subshell keeps a caller's `set -eu` from aborting the clean-up half way.
ctrd_stop() {
	(
		set +eu
		_ctrd_stop "$@"
	)
	return 0
}

_ctrd_stop() {
	local dir pid cgs
	[ -n "${1:-}" ] || return 0
	dir=$(_ctrd_abs "$1")
	[ -d "$dir" ] || return 0
	pid=$(cat "$dir/containerd.pid" 2>/dev/null)
	cgs=$(_ctrd_cgroups_of "$dir")
	if _ctrd_is_ours "$pid" "$dir"; then
		_ctrd_remove_containers "$dir/containerd.sock"
		_ctrd_kill_pid "$pid" "$dir"
	fi
	_ctrd_kill_shims "$dir/containerd.sock"
	_ctrd_unmount_under "$dir"
	_ctrd_rm_cgroups "$cgs"
	if [ -e "$dir/created-run-containerd" ]; then
		rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
	fi
	# --one-file-system: if an unmount failed, never delete through it.
	rm -rf --one-file-system -- "$dir" 2>/dev/null ||
		_ctrd_log "could not fully remove $dir"
	return 0
}

# A busybox root: every applet as a symlink in /bin, the directories runc
# mounts over, and passwd/group so that `id` and user lookups work.
_busybox_rootfs() {
	local root=$1 applet
	mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" \
		"$root/etc" "$root/tmp" "$root/root" "$root/run" || return 1
	chmod 1777 "$root/tmp"
	cp /bin/busybox "$root/bin/busybox" || return 1
	for applet in $("$root/bin/busybox" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
		>"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

# The tag is the full reference: ctr import keeps a ref.name containing
# '/' or ':' verbatim, so no --base-name is needed to name the image.
busybox_image() {
	local dir ref build arg cmd=()
	dir=$(_ctrd_abs "${1:?usage: busybox_image DIR [REF [CMD...]]}")
	ref=${2:-$CTRD_BUSYBOX_REF}
	shift $(($# < 2 ? $# : 2))
	# umoci appends each --config.cmd to the command line.
	for arg in "${@:-/bin/sh}"; do cmd+=(--config.cmd "$arg"); done
	build=$dir/busybox-build
	rm -rf -- "$build" && mkdir -p "$build" || return 1
	{
		_busybox_rootfs "$build/rootfs" &&
			umoci init --layout "$build/layout" &&
			umoci new --image "$build/layout:$ref" &&
			umoci insert --image "$build/layout:$ref" "$build/rootfs" / &&
			umoci config --image "$build/layout:$ref" \
				"${cmd[@]}" \
				--config.env PATH=/bin:/usr/bin:/sbin:/usr/sbin \
				--config.workingdir / &&
			umoci gc --layout "$build/layout" &&
			tar -C "$build/layout" -cf "$build/busybox-oci.tar" \
				oci-layout index.json blobs &&
			_ctrd_ctr "$dir" images import "$build/busybox-oci.tar" >/dev/null &&
			_ctrd_ctr "$dir" images ls -q | grep -qxF -- "$ref"
	} >&2 || {
		_ctrd_log "building/importing busybox image $ref failed"
		return 1
	}
	echo "$ref"
}
