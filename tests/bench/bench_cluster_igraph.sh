#!/usr/bin/env bash
# bench_cluster_igraph.sh — our clustering against igraph's connected components (C core,
# python3-igraph from Debian) over the same input-address graph, in one run.
#
#     tests/bench/bench_cluster_igraph.sh DB [BUILD_DIR] [SNAPSHOT]
#
# 1. bench_cluster DB --edges E: our timings (1 and 2 threads), the edge list of the links
#    `multi-input` emits (no CoinJoin filter, so both sides see the same graph), and our end
#    to end over that same file: read it, parse and union in parallel, flatten.
# 2. igraph: read E, build the graph, connected components; timed end to end (read + build +
#    components) and for the components call alone; the component count must equal ours.
# Three ratios: components alone (igraph's call vs our ft_cluster_run), end to end over the
# same edge file (the like-for-like figure: same input, same output), and igraph from the
# file against ours from the index (graph load of engine/graph.c + clustering), which loads
# every column of the chain, not just the input addresses. Then igraph from the file against
# ours from the index with the clustering-only load (ft_graph_load_utxo_links: the columns
# multi-input reads), and, with SNAPSHOT (`fundtrace snapshot --out SNAPSHOT` of a copy of DB),
# against ours from the snapshot (open + graph with checksums + multi-input).
# Not run by ctest (timings do not belong in tests).
set -euo pipefail
DB=${1:?usage: bench_cluster_igraph.sh DB [BUILD_DIR] [SNAPSHOT]}
BUILD=${2:-build}
SNAP=${3:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Debian's python3-igraph lives in the system interpreter's dist-packages: prefer it over a
# python3 earlier in PATH (pyenv and the like) that cannot see it.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
$PY -c 'import igraph' 2>/dev/null || { echo "error: python3-igraph missing (apt-get install python3-igraph)" >&2; exit 1; }
uptime
SNAPARG=()
[ -n "$SNAP" ] && SNAPARG=(--snapshot "$SNAP")
"$BUILD/bench_cluster" "$DB" --runs 5 --edges "$TMP/edges.txt" "${SNAPARG[@]}" | tee "$TMP/ours.txt"
$PY - "$TMP/edges.txt" "$TMP/ours.txt" <<'PY'
import re, sys, time
import igraph
t0 = time.perf_counter()
with open(sys.argv[1]) as f:
    n, m = map(int, f.readline().split())
    flat = list(map(int, f.read().split()))
t1 = time.perf_counter()
edges = list(zip(flat[0::2], flat[1::2]))
g = igraph.Graph(n=n, edges=edges, directed=False)
t2 = time.perf_counter()
cc = g.connected_components()
t3 = time.perf_counter()
comps = len(cc) - 1  # vertex 0 ("no address") is a component of its own
ours = open(sys.argv[2]).read()
our_c = int(re.search(r'components \(addresses 1..n-1\): (\d+)', ours).group(1))
load = float(re.search(r'loaded in ([0-9.]+) s', ours).group(1))
med = {int(t): float(s) for t, s in re.findall(r'^multi-input\s+threads (\d) .*?median ([0-9.]+)', ours, re.M)}
e2e = {int(t): float(s) for t, s in re.findall(r'^edge file -> cluster ids threads (\d)\s+median ([0-9.]+)', ours, re.M)}
print('igraph %s: read %.3f s, build %.3f s, components %.3f s; end to end %.3f s; %d components'
      % (igraph.__version__, t1 - t0, t2 - t1, t3 - t2, t3 - t0, comps))
print('ours: cluster %.3f s (2 threads); edge file -> cluster ids %.3f s (1 thread), %.3f s (2 threads); '
      'load from the index + cluster %.3f s' % (med[2], e2e[1], e2e[2], load + med[2]))
print('speed-up vs igraph: components only %.1fx; end to end over the same edge file %.1fx (2 threads), %.1fx (1 thread); '
      'ours from the index vs igraph from the edge file %.1fx'
      % ((t3 - t2) / med[2], (t3 - t0) / e2e[2], (t3 - t0) / e2e[1], (t3 - t0) / (load + med[2])))
links = re.search(r'end to end from the index, clustering-only load .*?median ([0-9.]+)', ours)
full = re.search(r'full graph load \(warm\) median ([0-9.]+)', ours)
if links and full:
    print('ours from the index, warm full load + cluster %.3f s: %.1fx igraph from the edge file; '
          'clustering-only load + cluster %.3f s: %.1fx'
          % (float(full.group(1)) + med[2], (t3 - t0) / (float(full.group(1)) + med[2]),
             float(links.group(1)), (t3 - t0) / float(links.group(1))))
snap = re.search(r'end to end from the snapshot .*?median ([0-9.]+)', ours)
if snap:
    print('ours from the snapshot (open + graph + cluster) %.3f s: %.1fx igraph from the edge file'
          % (float(snap.group(1)), (t3 - t0) / float(snap.group(1))))
print('same partition size: %s' % ('yes' if comps == our_c else 'NO (%d vs %d)' % (comps, our_c)))
PY
uptime
