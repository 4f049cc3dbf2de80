#!/bin/bash
# tests/lib/on-stack.sh STACK SCRIPT [ARGS...]: runs a test script that
# drives containerd or runc on one node stack (tests/stacks.sh installs
# them):
#
#   debian12  the system's containerd and runc, as PATH finds them
#   current   the prefix tests/stacks.sh unpacked ($SHIM_STACKS/current):
#             its containerd, ctr, containerd-shim-runc-v2 and runc come
#             first in PATH and its CNI plugins are CNI_BIN_DIR
#
# The script sees SHIM_STACK=STACK and prefixes its lines with
# "NAME [STACK]", so that a failure says which stack broke.  A stack that
# is not installed is a skip (exit 77) with the reason, never a pass.
set -eu
stack=${1:?usage: on-stack.sh STACK SCRIPT [ARGS...]}
script=${2:?usage: on-stack.sh STACK SCRIPT [ARGS...]}
shift 2
name=$(basename "$script" .sh)
case $stack in
debian12) ;;
current)
	prefix=${SHIM_STACKS:-/var/cache/shim/stacks}/current
	if [ ! -x "$prefix/usr/bin/containerd" ] || ! "$prefix/usr/sbin/runc" --version >/dev/null 2>&1; then
		echo "$name [$stack]: SKIP: the current node stack is not installed in $prefix (run tests/stacks.sh as root)"
		exit 77
	fi
	PATH=$prefix/usr/bin:$prefix/usr/sbin:$PATH
	CNI_BIN_DIR=$prefix/usr/lib/cni
	export PATH CNI_BIN_DIR ;;
*)
	echo "on-stack.sh: unknown stack $stack (debian12 or current)" >&2
	exit 99 ;;
esac
SHIM_STACK=$stack
export SHIM_STACK
echo "$name [$stack]: containerd $(containerd --version 2>/dev/null | awk '{print $3}'), runc $(runc --version 2>/dev/null | awk 'NR==1 {print $3}')"
# Every line the script prints carries the stack's name; its exit status
# is the test's.
"$script" "$@" 2>&1 | sed -u "s/^$name: /$name [$stack]: /"
exit "${PIPESTATUS[0]}"
