# shellcheck shell=bash
# tests/lib/bench.sh - what the benchmarks (tests/bench/bench-*.sh) share:
# checking their settings, and the statistics and layout of their results.
# Source it; do not execute it.
#
#   bench_counts NAME VAR...
#                           exit 1 unless each variable VAR holds a
#                           positive whole number
#   bench_unwrap_shimrun NAME
#                           when $SHIMRUN is libtool's wrapper script, point
#                           it at the program it wraps (a note in notes[])
#   bench_prepare NAME      what a benchmark that runs containers needs
#                           (require_containers, bash 5's EPOCHREALTIME,
#                           $SHIMRUN, ROUNDS and ITERATIONS), then RUNC,
#                           notes=() and bench_unwrap_shimrun
#   bench_tmpfs NAME        $tmp: a new directory on a tmpfs of its own, as
#                           containerd's bundles and shimrun's state are on
#                           a node (/run); its fsyncs cost what they cost there
#   bench_host              "DATE; kernel K; CPU C (N cores)", for the first
#                           line of the results
#   bench_median [DIGITS]   "KEY SUBKEY MEDIAN" for each KEY SUBKEY of the
#                           "KEY SUBKEY VALUE" lines on stdin
#   bench_medians DATA      the medians of the "ROUND ROW PHASE VALUE" lines
#                           of DATA: "ROW PHASE MEDIAN" over all rounds and
#                           "ROUND:ROW PHASE MEDIAN" of each round
#   bench_table MEDIAN HEAD WIDTH PHASES EXTRA LABEL BASE ROW...
#                           the table of bench_medians' figures, in ms, with
#                           each row's ratios to its base row
#   bench_rounds MEDIAN WHAT
#                           every round's median total of each row, in ms
#                           per WHAT

# The messages say which benchmark failed, as the benchmarks' own do.
_bench_die() {
	echo "$1: FAIL: $2" >&2
	exit 1
}

bench_counts() {
	local name=$1 v
	shift
	for v; do
		case ${!v} in '' | *[!0-9]* | 0) _bench_die "$name" "$v must be a positive number, not '${!v}'" ;; esac
	done
}

# libtool's wrapper script (a shared build tree): the program it wraps
# (.libs/NAME) is measured, with LD_LIBRARY_PATH set as the wrapper (or
# `libtool --mode=execute`) would set it, exported: runc, exec'ed by
# shimrun, inherits it.  The wrapper runs a bash on every command, which no
# installed shimrun does.  Needs $top_builddir; appends to notes[].
bench_unwrap_shimrun() {
	local name=$1 real libdir
	sed -n 3p "$SHIMRUN" 2>/dev/null | grep -q 'temporary wrapper script for \.libs/' || return 0
	real=$(dirname "$SHIMRUN")/.libs/$(basename "$SHIMRUN")
	[ -x "$real" ] || _bench_die "$name" "$SHIMRUN is libtool's wrapper, but $real does not exist"
	libdir=$(cd "${top_builddir:-.}/libshim/.libs" 2>/dev/null && pwd) ||
		_bench_die "$name" "$SHIMRUN is libtool's wrapper, but there is no ${top_builddir:-.}/libshim/.libs"
	notes+=("shimrun: $SHIMRUN is libtool's wrapper script: measured $real with LD_LIBRARY_PATH=$libdir (runc, exec'ed by it, inherits that)")
	SHIMRUN=$real
	export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
}

bench_prepare() {
	require_containers "$1"
	[ -n "${EPOCHREALTIME:-}" ] ||
		_bench_die "$1" "bash ${BASH_VERSION} has no EPOCHREALTIME (bash 5 or later needed)"
	[ -x "$SHIMRUN" ] || _bench_die "$1" "no shimrun at $SHIMRUN"
	bench_counts "$1" ROUNDS ITERATIONS
	RUNC=$(command -v runc)
	notes=()
	bench_unwrap_shimrun "$1"
}

bench_tmpfs() {
	tmp=$(mktemp -d "/tmp/$1.XXXXXX")
	mount -t tmpfs -o size=64m,mode=0755 "$1" "$tmp" ||
		{ rmdir "$tmp"; _bench_die "$1" "cannot mount a tmpfs on $tmp"; }
}

bench_host() {
	printf '%s; kernel %s; CPU %s (%s cores)' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(nproc)"
}

# DIGITS after the point: 3 unless given.  An even count's median is the
# mean of the middle two.
bench_median() {
	sort -k1,1 -k2,2 -k3,3g | awk -v digits="${1:-3}" '
		function flush() {
			if (n) printf "%s %s %." digits "f\n", c, k, n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			n = 0
		}
		$1 != c || $2 != k { flush(); c = $1; k = $2 }
		{ v[++n] = $3 }
		END { flush() }'
}

bench_medians() {
	awk '{ print $2, $3, $4; print $1 ":" $2, $3, $4 }' "$1" | bench_median 3
}

# bench_table MEDIAN HEAD WIDTH PHASES EXTRA LABEL BASE ROW...: a header
# line (HEAD in WIDTH columns, then each of the blank-separated PHASES,
# then EXTRA), then one line for each ROW: "LABEL (ROW)" in WIDTH columns
# and its median of each phase in ms (MEDIAN's figures are microseconds),
# with its ratio to that of its base row unless the row is its own base;
# last EXTRA's median as it is (a count, not a time), unless EXTRA is ''.
# LABEL and BASE name associative arrays: each ROW's label and base row.
bench_table() {
	local median=$1 head=$2 width=$3 phases=$4 extra=$5 r n labels='' bases=''
	local -n _bench_label=$6 _bench_base=$7
	shift 7
	for r; do
		labels+="${_bench_label[$r]} "
		bases+="${_bench_base[$r]} "
	done
	printf "%-${width}s" "$head"
	for n in $phases; do printf ' %17s' "$n"; done
	[ -z "$extra" ] || printf ' %6s' "$extra"
	printf '\n'
	awk -v width="$width" -v phases="$phases" -v extra="$extra" -v rows="$*" \
		-v labels="$labels" -v bases="$bases" '
		BEGIN { nrow = split(rows, row, " "); split(labels, lab, " "); split(bases, bs, " ")
			nph = split(phases, ph, " ") }
		$1 !~ /:/ { m[$1, $2] = $3 }
		END {
			for (j = 1; j <= nrow; j++) {
				r = row[j]; b = bs[j]
				printf "%-" width "s", lab[j] " (" r ")"
				for (i = 1; i <= nph; i++) {
					v = m[r, ph[i]] / 1000
					if (r == b)
						printf " %17.2f", v
					else
						printf " %8.2f (%6.2f)", v, m[b, ph[i]] ? v * 1000 / m[b, ph[i]] : 0
				}
				if (extra != "")
					printf " %6.1f", m[r, extra]
				printf "\n"
			}
		}' "$median"
}

# For judging the spread (the benchmarks put it in the results file only).
bench_rounds() {
	printf '# every round'"'"'s median, ms per %s (total):\n' "$2"
	awk '$1 ~ /:/ && $2 == "total" { split($1, k, ":"); v[k[2]] = v[k[2]] sprintf(" %.2f", $3 / 1000) }
		END { for (c in v) printf "#   %s%s\n", c, v[c] }' "$1" | sort
}
