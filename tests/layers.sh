#!/bin/sh
# The architecture README describes, checked on what was built: which file
# calls which (from each object's defined and undefined symbols), that no
# file calls a layer above its own, and that no files call each other in a
# cycle.  A newcomer can then read a file knowing only the ones below it.
set -u
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
exec python3 - "$top_builddir" <<'EOF'
import glob, os, re, subprocess, sys

top = sys.argv[1]
# Layers, lowest first: a file may call its own layer and those below.
LAYERS = [
    ("libshim", r"libshim/.*"),
    ("node library", r"runtime/(node_.*|files)\.c"),
    ("pass-through path", r"runtime/shimrun_(args|fast)\.c"),
    ("seccomp loader (a program of its own)", r"runtime/seccomp_loader\.c"),
    ("shared by commands", r"runtime/(shimrun|shimctl)_common\.c"),
    ("commands", r"runtime/(shimrun_(create|exec|update|delete)|cmd_.*)\.c"),
    ("programs' main", r"runtime/(shimrun|shimctl)\.c"),
]

def layer(f):
    for i, (_, pattern) in enumerate(LAYERS):
        if re.fullmatch(pattern, f):
            return i
    sys.exit(f"FAIL: {f} is in no layer: add it to tests/layers.sh and README")

defs, uses = {}, {}
for d in ("libshim", "runtime"):
    for o in sorted(glob.glob(os.path.join(top, d, "*.o"))):
        # Automake names an object after its target: libshim_core_la-check.o.
        f = d + "/" + re.sub(r"^[A-Za-z0-9_]+-", "", os.path.basename(o))[:-2] + ".c"
        uses[f] = set()
        for line in subprocess.run(["nm", o], capture_output=True, text=True,
                                   check=True).stdout.splitlines():
            w = line.split()
            if len(w) == 2 and w[0] == "U":
                uses[f].add(w[1])
            elif len(w) == 3 and w[1] in "TDRBCVW":
                defs[w[2]] = f
if len(uses) < 20:
    sys.exit(f"FAIL: {len(uses)} objects under {top}: not built?")

calls = {f: {defs[s] for s in u if s in defs and defs[s] != f} for f, u in uses.items()}
bad = 0
for f in sorted(calls):
    for g in sorted(calls[f]):
        if layer(g) > layer(f):
            print(f"FAIL: {f} ({LAYERS[layer(f)][0]}) calls up into {g} "
                  f"({LAYERS[layer(g)][0]}):",
                  " ".join(sorted(s for s in uses[f] if defs.get(s) == g)))
            bad += 1

# Cycles: strongly connected components of more than one file (Tarjan).
index, low, stack, on, n = {}, {}, [], set(), [0]
def visit(v):
    global bad
    index[v] = low[v] = n[0]; n[0] += 1
    stack.append(v); on.add(v)
    for w in sorted(calls[v]):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = []
        while not scc or scc[-1] != v:
            scc.append(stack.pop()); on.discard(scc[-1])
        if len(scc) > 1:
            print("FAIL: these files call each other in a cycle:", " ".join(sorted(scc)))
            bad += 1
for v in sorted(calls):
    if v not in index:
        visit(v)

edges = sum(len(c) for c in calls.values())
print(f"layers: {len(calls)} files, {edges} calls between them, {bad} failed")
sys.exit(1 if bad else 0)
EOF
