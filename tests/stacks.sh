#!/bin/sh
# Installs the node stacks the tests run on and prints their versions:
#
#   debian12  Debian 12's own containerd and runc (tests/deps.sh installs
#             them from the system's archive)
#   current   today's node stack: containerd, runc, CNI plugins from
#             Debian's unstable suite, unpacked into a private prefix
#             ($SHIM_STACKS, default /var/cache/shim/stacks, then
#             current/); the system's apt sources and packages are never
#             touched
#
# Idempotent and cached: a second run finds the prefix complete (a stamp
# naming the package versions) and only prints the versions.  Run as root.
# A stack that cannot be had (no network, a package gone from the archive)
# is reported and the script exits 0: the tests for that stack then skip
# with the reason (tests/lib/stack.sh), they never pass silently.
set -eu
STACKS=${SHIM_STACKS:-/var/cache/shim/stacks}
prefix=$STACKS/current
# What the current stack is made of; runc needs sid's glibc and
# libseccomp, which only its own interpreter and rpath see.
packages="containerd runc containernetworking-plugins libseccomp2 libc6"

log() { echo "stacks: $*" >&2; }

# The system's Debian mirror, as the system's own sources name it.
mirror() {
	sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p; s/^deb \[*[^]]*\]* *\(http[^ ]*\/debian\)\/* .*/\1/p' \
		/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1
}

install_current() {
	local work url
	url=$(mirror)
	[ -n "$url" ] || { log "current: no Debian mirror in the system's apt sources"; return 1; }
	work=$STACKS/.apt
	mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
	echo "deb $url sid main" >"$work/sources.list"
	# Only the private lists, cache and sources: the system's stay as they are.
	set -- -o Dir::Etc::SourceList="$work/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$work/lists" \
		-o Dir::Cache="$work/cache" \
		-o Debug::NoLocking=1 -q
	apt-get "$@" update >&2 || return 1
	(cd "$work/debs" && rm -f ./*.deb && apt-get "$@" download $packages >&2) || return 1
	versions=$(for deb in "$work"/debs/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done)
	if [ -f "$prefix/.stamp" ] && [ "$(cat "$prefix/.stamp")" = "$versions" ]; then
		return 0
	fi
	rm -rf "$prefix.new" && mkdir -p "$prefix.new"
	for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$prefix.new"; done
	patch_runc "$prefix.new" "$prefix" || return 1
	echo "$versions" >"$prefix.new/.stamp"
	rm -rf "$prefix" && mv "$prefix.new" "$prefix"
}

# runc is linked against sid's glibc: point it at that loader and those
# libraries (in their final place, FINAL, once the prefix is moved there).
patch_runc() {
	local tmp=$1 final=$2
	patchelf --set-interpreter "$final/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
		--set-rpath "$final/usr/lib/x86_64-linux-gnu" "$tmp/usr/sbin/runc"
}

current_ok() {
	[ -x "$prefix/usr/bin/containerd" ] && [ -x "$prefix/usr/sbin/runc" ] &&
		"$prefix/usr/sbin/runc" --version >/dev/null 2>&1
}

if [ "$(id -u)" -ne 0 ]; then
	log "must run as root"
	exit 1
fi
if [ -f "$prefix/.stamp" ] && current_ok && [ -z "${SHIM_STACKS_REFRESH:-}" ]; then
	: # cached; SHIM_STACKS_REFRESH=1 looks for newer packages
elif ! install_current || ! current_ok; then
	log "current: could not be installed; its tests will skip"
fi

echo "debian12: containerd $(containerd --version 2>/dev/null | awk '{print $3}'), runc $(runc --version 2>/dev/null | awk 'NR==1 {print $3}')"
if current_ok; then
	# The CNI plugins do not know their own version: the package does.
	echo "current:  containerd $("$prefix/usr/bin/containerd" --version | awk '{print $3}'), runc $("$prefix/usr/sbin/runc" --version | awk 'NR==1 {print $3}'), CNI plugins $(awk '$2 == "containernetworking-plugins" {print $4}' "$prefix/.stamp") ($prefix)"
else
	echo "current:  not installed"
fi
