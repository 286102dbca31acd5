#!/usr/bin/env bash
# bench_trace_igraph.sh — the tracer (all three models) against igraph's breadth-first search
# (C core, python3-igraph from Debian) over the same tx -> tx spend graph from the same seeds,
# in one run: the bound of issue 6 ("trace within 3x of plain reachability").
#
#     tests/bench/bench_trace_igraph.sh DB [BUILD_DIR] [RUNS]
#
# 1. bench_trace DB --edges E: our C BFS and the tracer (1 and 2 threads, medians), and E:
#    the spend graph (an edge t -> s per output of tx t spent by tx s) and, per incident, the
#    spenders of its seed outputs (the BFS roots).
# 2. igraph: read E, build the directed graph, then per incident a BFS from its roots. igraph's
#    Python API takes one root, so each incident gets a virtual root vertex with an edge to
#    each of its roots (n_incidents extra vertices; they are not counted). The BFS is
#    Graph.subcomponent(root, mode="out") (igraph_subcomponent: a BFS that returns only the
#    reached ids) and, as a second figure, Graph.bfs (also returns layers and parents), each
#    run RUNS times, median. The reached tx count must equal our BFS's.
# Printed: trace / igraph BFS (the issue's figure) next to trace / our C BFS (the stricter
# bound: same graph, no Python, no ids copied out), for 1 and 2 threads, plus igraph end to
# end (read + build + BFS). Not run by ctest (timings do not belong in tests).
set -euo pipefail
DB=${1:?usage: bench_trace_igraph.sh DB [BUILD_DIR] [RUNS]}
BUILD=${2:-build}
RUNS=${3:-5}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Debian's python3-igraph lives in the system interpreter's dist-packages: prefer it over a
# python3 earlier in PATH (pyenv and the like) that cannot see it.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
$PY -c 'import igraph' 2>/dev/null || { echo "error: python3-igraph missing (apt-get install python3-igraph)" >&2; exit 1; }
echo "uptime: $(uptime)"
"$BUILD/bench_trace" "$DB" --runs "$RUNS" --edges "$TMP/edges.txt" | tee "$TMP/ours.txt"
$PY - "$TMP/edges.txt" "$TMP/ours.txt" "$RUNS" <<'PY'
import re, statistics, sys, time
import igraph
runs = int(sys.argv[3])
t0 = time.perf_counter()
with open(sys.argv[1]) as f:
    n, m, n_inc = map(int, f.readline().split())
    flat = list(map(int, f.read().split()))
t1 = time.perf_counter()
edges = list(zip(flat[0:2 * m:2], flat[1:2 * m:2]))
roots, p = [], 2 * m
for i in range(n_inc):
    k = flat[p]
    roots.append(flat[p + 1:p + 1 + k])
    p += 1 + k
for i in range(n_inc):  # virtual root n + i -> the incident's roots
    edges.extend((n + i, r) for r in roots[i])
g = igraph.Graph(n=n + n_inc, edges=edges, directed=True)
t2 = time.perf_counter()
def sweep_sub():
    return sum(len(g.subcomponent(n + i, mode="out")) - 1 for i in range(n_inc))
def sweep_bfs():
    return sum(len(g.bfs(n + i, mode="out")[0]) - 1 for i in range(n_inc))
first = time.perf_counter()
reached = sweep_sub()
t3 = time.perf_counter()
sub, bfs = [], []
for _ in range(runs):
    a = time.perf_counter(); r1 = sweep_sub(); sub.append(time.perf_counter() - a)
    a = time.perf_counter(); r2 = sweep_bfs(); bfs.append(time.perf_counter() - a)
    assert r1 == reached and r2 == reached, (r1, r2, reached)
ms, mb = statistics.median(sub), statistics.median(bfs)
ours = open(sys.argv[2]).read()
our_visits = int(re.search(r'bfs .*? (\d+) tx visits', ours).group(1))
ob = {int(t): float(s) for t, s in re.findall(r'^threads (\d): bfs\s+min \S+ median ([0-9.]+)', ours, re.M)}
ot = {int(t): float(s) for t, s in re.findall(r'^threads (\d): trace min \S+ median ([0-9.]+)', ours, re.M)}
print('igraph %s: read %.3f s, build %.3f s (%d vertices, %d edges); BFS over %d incidents: '
      'subcomponent median %.4f s, bfs median %.4f s (%d runs); end to end (read + build + first BFS) %.3f s; '
      '%d txs reached' % (igraph.__version__, t1 - t0, t2 - t1, n + n_inc, len(edges), n_inc, ms, mb,
                          runs, t3 - t0, reached))
for t in sorted(ot):
    print('threads %d: trace %.4f s; trace/igraph-BFS %.2fx (subcomponent), %.2fx (bfs); '
          'trace/our-BFS %.2fx; igraph end to end / trace %.1fx'
          % (t, ot[t], ot[t] / ms, ot[t] / mb, ot[t] / ob[t], (t3 - t0) / ot[t]))
print('same reachable txs as our BFS: %s' % ('yes' if reached == our_visits else 'NO (%d vs %d)' % (reached, our_visits)))
sys.exit(0 if reached == our_visits else 1)
PY
echo "uptime: $(uptime)"
