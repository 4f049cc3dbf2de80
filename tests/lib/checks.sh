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
#   expect NAME STATUS COMMAND...
#                           runs COMMAND with its output in $CHECK_DIR/out
#                           and $CHECK_DIR/err (after $CHECK_BEFORE, a
#                           command, when set); ok when it exits STATUS,
#                           else bad with both
#   has NAME FILE TEXT      ok when FILE holds TEXT (a fixed string), else
#                           bad with the file; hasnt: the opposite
#   summary SCRIPT          prints "SCRIPT: N passed, M failed"; its status
#                           is the script's: 0 when none failed
#   passed, failed          the counts

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

expect() {
	local name=$1 want=$2 got
	shift 2
	[ -z "${CHECK_BEFORE:-}" ] || eval "$CHECK_BEFORE"
	"$@" >"$CHECK_DIR/out" 2>"$CHECK_DIR/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$name"
	else
		bad "$name: exit $got, want $want" "$(cat "$CHECK_DIR/out" "$CHECK_DIR/err")"
	fi
}

has() {
	if grep -qF -- "$3" "$2" 2>/dev/null; then ok "$1"; else
		bad "$1: '$3' not in $2:" "$(cat "$2" 2>/dev/null)"; fi
}

hasnt() {
	if ! grep -qF -- "$3" "$2" 2>/dev/null; then ok "$1"; else
		bad "$1: '$3' in $2"; fi
}

summary() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
