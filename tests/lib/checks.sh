# shellcheck shell=bash
# tests/lib/checks.sh - how test scripts count and print their checks.
# Source it; do not execute it.
#
#   ok NAME                 a check passed
#   bad NAME [DETAIL...]    a check failed; each DETAIL printed below it,
#                           indented.  Returns 0 (scripts under set -e go on)
#   check NAME COMMAND...   ok when COMMAND succeeds, else bad with the
#                           start of $CHECK_OUT, the file where the script
#                           keeps its last command's output (when it sets
#                           one)
#   passed, failed          the counts, for the script's summary line

passed=0 failed=0

ok() { passed=$((passed + 1)); echo "  ok: $1"; }

bad() {
	failed=$((failed + 1))
	echo "  FAIL: $1"
	shift
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/    /'
	return 0
}

check() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	elif [ -n "${CHECK_OUT:-}" ] && [ -r "$CHECK_OUT" ]; then
		bad "$name" "$(head -c 2000 "$CHECK_OUT")"
	else
		bad "$name"
	fi
}
