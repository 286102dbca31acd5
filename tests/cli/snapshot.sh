#!/usr/bin/env bash
# snapshot.sh — `fundtrace snapshot` and the `--snapshot FILE` paths on the bundled sample chain
# (datasets/sample: 3,000 real-format regtest transactions, 4 incidents, labels).
#
# 1. index + labels + incidents + cluster; trace from the index; snapshot; then with the index
#    moved away (so LevelDB cannot be opened) `trace --snapshot` writes byte-identical files for
#    --all, one incident, another model/hop limit, and 1 or 2 threads; `report --snapshot`
#    writes the same tables as `report` from the index (overlaps use the stored cluster ids).
# 2. `cluster --snapshot FILE --out CSV` equals `export clusters` of the clustered index, and
#    its summary equals `cluster`'s.
# 3. damage: a flipped byte inside the out_value section, a truncated copy, a file that is not
#    a snapshot, a missing file: one error line naming the problem, exit 2 (1 for the missing
#    file), nothing written. A flipped byte in the address text only (its checksum is verified
#    lazily, when output needs it) and one in the txids only: trace, report and cluster --out
#    still fail with one error line naming the section, exit 2, nothing written; cluster
#    without --out never reads the text and succeeds with the same summary.
# 4. usage errors (129) and an index without incidents (its snapshot cannot trace: exit 2).
source "$(dirname "$0")/lib.sh"
S=$ROOT/datasets/sample

DB=$TMP/db
run index --db "$DB" index bitcoin --blocks "$S/blocks" --network regtest
rc_is index 0
run labels --db "$DB" labels import "$S/labels.csv"
rc_is labels 0
run inc --db "$DB" incidents import "$S/incidents.csv"
rc_is inc 0
run cluster --db "$DB" cluster
rc_is cluster 0
run export --db "$DB" export clusters --out "$TMP/clusters_index.csv"
rc_is export 0

# 1. trace from the index, then from the snapshot only
run t_idx --db "$DB" --threads 1 trace --all --out "$TMP/t_idx"
rc_is t_idx 0
run t_idx1 --db "$DB" trace --incident gen-2 --model fifo --max-hops 3 --out "$TMP/t_idx1"
rc_is t_idx1 0
run r_idx --db "$DB" report --out "$TMP/r_idx"
rc_is r_idx 0
run snap --db "$DB" snapshot --out "$TMP/s.ftsnap"
rc_is snap 0
grep -q "^wrote snapshot '$TMP/s.ftsnap': 3000 txs, 15412 outputs, 8902 addresses, 4 incidents (7 seeds); [0-9]* bytes" "$TMP/snap.out" && ok || ko "snap: $(cat "$TMP/snap.out")"
[ ! -e "$TMP/s.ftsnap.tmp" ] && ok || ko "temporary file left behind"
run snapj --db "$DB" --json snapshot --out "$TMP/s2.ftsnap"
rc_is snapj 0
python3 - "$TMP/snapj.out" "$TMP/s2.ftsnap" <<'PY' && ok || ko "snapj: $(cat "$TMP/snapj.out")"
import json, os, sys
o = json.load(open(sys.argv[1]))
assert o["txs"] == 3000 and o["incidents"] == 4 and o["clustered"] is True, o
assert o["bytes"] == os.path.getsize(sys.argv[2]), o
PY
# the same index gives the same bytes
cmp -s "$TMP/s.ftsnap" "$TMP/s2.ftsnap" && ok || ko "two snapshots of one index differ"

mv "$DB" "$TMP/db.away" # from here on no command can open the index
run t_snap --db "$DB" --threads 1 trace --all --snapshot "$TMP/s.ftsnap" --out "$TMP/t_snap"
rc_is t_snap 0
[ ! -s "$TMP/t_snap.err" ] && ok || ko "t_snap stderr: $(cat "$TMP/t_snap.err")"
cmp -s "$TMP/t_idx.out" <(sed "s#$TMP/t_snap#$TMP/t_idx#g" "$TMP/t_snap.out") && ok || ko "stdout differs: $(cat "$TMP/t_snap.out")"
same_dir "$TMP/t_idx" "$TMP/t_snap"
[ ! -e "$DB" ] && ok || ko "trace --snapshot created the index directory"
run t_snap2 --db "$DB" --threads 2 trace --all --snapshot "$TMP/s.ftsnap" --out "$TMP/t_snap2"
rc_is t_snap2 0
same_dir "$TMP/t_idx" "$TMP/t_snap2"
run t_snap1 --db "$DB" trace --incident gen-2 --model fifo --max-hops 3 --snapshot "$TMP/s.ftsnap" --out "$TMP/t_snap1"
rc_is t_snap1 0
same_dir "$TMP/t_idx1" "$TMP/t_snap1"
grep -q '^gen-2,fifo,bitcoin,BTC,276.75721372,' "$TMP/t_snap1/summary.csv" && ok || ko "gen-2 row: $(cat "$TMP/t_snap1/summary.csv")"
run r_snap --db "$DB" report --snapshot "$TMP/s.ftsnap" --out "$TMP/r_snap"
rc_is r_snap 0
same_dir "$TMP/r_idx" "$TMP/r_snap"
[ -s "$TMP/r_snap/overlaps.csv" ] && [ -s "$TMP/r_snap/by_incident.csv" ] && ok || ko "report files missing"
cmp -s "$TMP/r_idx.out" <(sed "s#$TMP/r_snap#$TMP/r_idx#g" "$TMP/r_snap.out") && ok || ko "report stdout differs: $(cat "$TMP/r_snap.out")"
run nope trace --incident nope --snapshot "$TMP/s.ftsnap" --out "$TMP/nope"
rc_is nope 2
one_error_line nope
grep -q "^error: no bitcoin incident 'nope' in snapshot '$TMP/s.ftsnap'$" "$TMP/nope.err" && ok || ko "nope: $(cat "$TMP/nope.err")"

# 2. clustering from the snapshot
run c_snap --db "$DB" cluster --snapshot "$TMP/s.ftsnap" --out "$TMP/clusters_snap.csv"
rc_is c_snap 0
cmp -s "$TMP/clusters_index.csv" "$TMP/clusters_snap.csv" && ok || ko "cluster --snapshot CSV differs from export clusters"
[ "$(wc -l <"$TMP/clusters_snap.csv")" = 8903 ] && ok || ko "clusters csv lines: $(wc -l <"$TMP/clusters_snap.csv")"
cmp -s "$TMP/cluster.out" "$TMP/c_snap.out" && ok || ko "cluster summary differs: $(diff "$TMP/cluster.out" "$TMP/c_snap.out")"

# 3. damage
python3 - "$TMP/s.ftsnap" "$TMP/flip.ftsnap" "$TMP/cut.ftsnap" "$TMP/tflip.ftsnap" "$TMP/xflip.ftsnap" <<'PY'
import struct, sys
orig = open(sys.argv[1], "rb").read()
def flipped(section, out):
    b = bytearray(orig)
    n = struct.unpack_from("<I", b, 12)[0]
    hit = 0
    for i in range(n):
        e = 64 + 96 * i
        name = bytes(b[e:e + 32]).split(b"\0")[0].decode()
        if name == section:
            off, size = struct.unpack_from("<QQ", b, e + 48)
            b[off + size // 2] ^= 0x01
            hit = 1
    assert hit, section
    open(out, "wb").write(b)
flipped("out_value", sys.argv[2])
open(sys.argv[3], "wb").write(orig[: len(orig) // 2])
flipped("addr_text", sys.argv[4])
flipped("txid", sys.argv[5])
PY
run flip trace --all --snapshot "$TMP/flip.ftsnap" --out "$TMP/flip"
rc_is flip 2
one_error_line flip
grep -q "^error: snapshot '$TMP/flip.ftsnap': section 'out_value' checksum mismatch$" "$TMP/flip.err" && ok || ko "flip: $(cat "$TMP/flip.err")"
[ ! -e "$TMP/flip" ] && ok || ko "flip: output written"
run cut trace --all --snapshot "$TMP/cut.ftsnap" --out "$TMP/cut"
rc_is cut 2
one_error_line cut
grep -q "^error: snapshot '$TMP/cut.ftsnap': truncated or extended: [0-9]* bytes, the header says [0-9]*$" "$TMP/cut.err" && ok || ko "cut: $(cat "$TMP/cut.err")"
[ ! -e "$TMP/cut" ] && ok || ko "cut: output written"
run cflip cluster --snapshot "$TMP/flip.ftsnap" --out "$TMP/cflip.csv"
rc_is cflip 2
grep -q "section 'out_value' checksum mismatch" "$TMP/cflip.err" && ok || ko "cflip: $(cat "$TMP/cflip.err")"
[ ! -e "$TMP/cflip.csv" ] && ok || ko "cflip: output written"
# the text sections alone damaged: refused before any output, whatever the command
for v in tflip:addr_text xflip:txid; do
    f=${v%%:*} sec=${v#*:}
    run "$f" trace --all --snapshot "$TMP/$f.ftsnap" --out "$TMP/$f"
    rc_is "$f" 2
    one_error_line "$f"
    grep -q "^error: snapshot '$TMP/$f.ftsnap': section '$sec' checksum mismatch$" "$TMP/$f.err" && ok || ko "$f: $(cat "$TMP/$f.err")"
    [ ! -e "$TMP/$f" ] && ok || ko "$f: output written"
    [ ! -s "$TMP/$f.out" ] && ok || ko "$f: stdout: $(cat "$TMP/$f.out")"
    run "r$f" report --snapshot "$TMP/$f.ftsnap" --out "$TMP/r$f"
    rc_is "r$f" 2
    one_error_line "r$f"
    grep -q "section '$sec' checksum mismatch" "$TMP/r$f.err" && ok || ko "r$f: $(cat "$TMP/r$f.err")"
    [ ! -e "$TMP/r$f" ] && ok || ko "r$f: output written"
done
run ctflip cluster --snapshot "$TMP/tflip.ftsnap" --out "$TMP/ctflip.csv"
rc_is ctflip 2
one_error_line ctflip
grep -q "section 'addr_text' checksum mismatch" "$TMP/ctflip.err" && ok || ko "ctflip: $(cat "$TMP/ctflip.err")"
[ ! -e "$TMP/ctflip.csv" ] && [ ! -e "$TMP/ctflip.csv.tmp" ] && ok || ko "ctflip: output written"
run ctflip2 cluster --snapshot "$TMP/tflip.ftsnap"
rc_is ctflip2 0
cmp -s "$TMP/cluster.out" "$TMP/ctflip2.out" && ok || ko "cluster without --out on damaged text: $(cat "$TMP/ctflip2.out")"
run notsnap trace --all --snapshot "$S/incidents.csv" --out "$TMP/ns"
rc_is notsnap 2
grep -q "not a fundtrace snapshot (bad magic)" "$TMP/notsnap.err" && ok || ko "notsnap: $(cat "$TMP/notsnap.err")"
run missing trace --all --snapshot "$TMP/none.ftsnap" --out "$TMP/ms"
rc_is missing 1
one_error_line missing
grep -q "^error: cannot open snapshot '$TMP/none.ftsnap': No such file or directory$" "$TMP/missing.err" && ok || ko "missing: $(cat "$TMP/missing.err")"

# 4. usage, and a snapshot without incidents
run noout snapshot
rc_is noout 129
run badopt snapshot --out "$TMP/x" --bogus
rc_is badopt 129
DB2=$TMP/db2
run index2 --db "$DB2" index bitcoin --blocks "$S/blocks" --network regtest
rc_is index2 0
run snap2 --db "$DB2" snapshot --out "$TMP/noinc.ftsnap"
rc_is snap2 0
grep -q "0 incidents (0 seeds); not clustered;" "$TMP/snap2.out" && ok || ko "snap2: $(cat "$TMP/snap2.out")"
run noinc trace --all --snapshot "$TMP/noinc.ftsnap" --out "$TMP/noinc"
rc_is noinc 2
one_error_line noinc
grep -q "holds no bitcoin incident" "$TMP/noinc.err" && ok || ko "noinc: $(cat "$TMP/noinc.err")"
# an unclustered snapshot: every address its own cluster, like export of an unclustered index
run c_noinc cluster --snapshot "$TMP/noinc.ftsnap" --heuristics multi-input --out "$TMP/c_noinc.csv"
rc_is c_noinc 0
grep -q '^merges ' "$TMP/c_noinc.out" && ok || ko "c_noinc: $(cat "$TMP/c_noinc.out")"

finish
