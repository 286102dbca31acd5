#!/usr/bin/env bash
# trace_options.sh — the output options of `trace` and `report` on the bundled sample
# (datasets/sample: index, labels, incidents, cluster):
#   - --paths 0: no paths.csv (an older one is removed), summary.csv and flows.csv byte-identical
#     to the default run's; --paths 1 equals the default (paths.csv identical)
#   - --paths 2, --paths x: usage error naming --paths, exit 129, nothing written
#   - --no-exposure: nothing stored (a fresh index keeps `address` exposure [] and the
#     `digest` unchanged), same files as the default; after a stored run, a --no-exposure run
#     of a narrower model leaves the stored exposure (digest) as it was
#   - report --no-exposure --paths 0: the tables and trace files of report, no paths.csv,
#     digest unchanged
source "$(dirname "$0")/lib.sh"
S=$SRC/datasets/sample
DB=$TMP/db
same() { cmp -s "$1" "$2"; }

sample_btc "$DB" >/dev/null
SEED0=mmrEhTAou4i4NPTGFBC3GB7KKEyoavuA66 # gen-1's seed address (exposure after a stored run)

# --- --no-exposure on a fresh index: nothing stored --------------------------------------------
ft digest >"$TMP/d0"
rc=0
ft trace --all --no-exposure --out "$TMP/ne" >"$TMP/ne.out" 2>"$TMP/ne.err" || rc=$?
[ "$rc" = 0 ] && [ ! -s "$TMP/ne.err" ] && ok || ko "trace --no-exposure: exit $rc $(cat "$TMP/ne.err")"
ft digest >"$TMP/d1"
same "$TMP/d0" "$TMP/d1" && ok || ko "--no-exposure changed the index"
ft --json address "$SEED0" --limit 0 >"$TMP/a0.json"
python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["exposure"] == [] else 1)' \
    "$TMP/a0.json" && ok || ko "exposure after --no-exposure: $(cat "$TMP/a0.json")"

# --- default run (stores exposure) against --paths 0 / 1 ---------------------------------------
ft --quiet trace --all --out "$TMP/def"
[ -s "$TMP/def/paths.csv" ] && ok || ko "default run wrote no paths.csv"
python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["exposure"] else 1)' \
    <(ft --json address "$SEED0" --limit 0) && ok || ko "default run stored no exposure"
for f in summary.csv flows.csv paths.csv flow.dot; do
    same "$TMP/def/$f" "$TMP/ne/$f" && ok || ko "--no-exposure changed $f"
done
ft digest >"$TMP/d2"
same "$TMP/d0" "$TMP/d2" && ko "digest does not see stored exposure: the digest checks mean nothing" || ok
mkdir -p "$TMP/p0" && echo stale >"$TMP/p0/paths.csv"
ft --quiet trace --all --paths 0 --out "$TMP/p0"
[ ! -e "$TMP/p0/paths.csv" ] && ok || ko "--paths 0 left paths.csv"
for f in summary.csv flows.csv flow.dot; do
    same "$TMP/def/$f" "$TMP/p0/$f" && ok || ko "--paths 0 changed $f"
done
ft --quiet trace --all --paths 1 --out "$TMP/p1"
same "$TMP/def/paths.csv" "$TMP/p1/paths.csv" && ok || ko "--paths 1 differs from the default"

# --- a narrower --no-exposure run keeps the stored exposure ------------------------------------
ft --quiet trace --all --model poison --no-exposure --out "$TMP/np"
ft digest >"$TMP/d3"
same "$TMP/d2" "$TMP/d3" && ok || ko "--no-exposure replaced stored exposure"

# --- usage errors --------------------------------------------------------------------------------
for bad in 2 x -1; do
    rc=0
    ft trace --all --paths "$bad" --out "$TMP/bad" >"$TMP/bad.out" 2>"$TMP/bad.err" || rc=$?
    [ "$rc" = 129 ] && grep -q -- "--paths" "$TMP/bad.err" && [ ! -e "$TMP/bad" ] &&
        [ "$(grep -c '^error: ' "$TMP/bad.err")" = 1 ] && ok ||
        ko "--paths $bad: exit $rc: $(cat "$TMP/bad.err")"
done

# --- report --no-exposure --paths 0 --------------------------------------------------------------
rc=0
ft report --no-exposure --paths 0 --out "$TMP/rep" >"$TMP/rep.out" 2>"$TMP/rep.err" || rc=$?
[ "$rc" = 0 ] && [ -s "$TMP/rep/by_incident.csv" ] && [ -s "$TMP/rep/overlaps.csv" ] &&
    [ ! -e "$TMP/rep/paths.csv" ] && ok || ko "report: exit $rc $(cat "$TMP/rep.err") $(ls "$TMP/rep")"
same "$TMP/def/flows.csv" "$TMP/rep/flows.csv" && ok || ko "report flows.csv differs from trace"
ft digest >"$TMP/d4"
same "$TMP/d2" "$TMP/d4" && ok || ko "report --no-exposure changed the index"

finish
