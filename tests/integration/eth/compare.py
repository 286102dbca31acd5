#!/usr/bin/env python3
"""compare.py EXPECTED OURS COLUMNS — ethereum-etl's expected rows vs our `fundtrace export`.

EXPECTED is ethereum-etl's file (CSV with a header, or JSON lines), OURS our CSV. Both are
projected onto COLUMNS (comma-separated names), JSON null/None becomes "", JSON numbers keep
their exact integer text, a JSON list (log topics) is joined with commas; the rows are then
compared as sorted lists (upstream compares ignoring order). Prints the differences and
exits 1 when they differ; a column missing from either file is an error (exit 2), so a
comparison can never pass by comparing nothing.
"""
import csv
import json
import sys


def rows(path):
    with open(path, newline='') as f:
        text = f.read()
    if path.endswith('.json'):
        out = []
        for line in text.splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out, (set(out[0].keys()) if out else None)
    reader = csv.DictReader(text.splitlines())
    out = list(reader)
    return out, (set(reader.fieldnames) if reader.fieldnames else None)


def cell(v):
    if v is None:
        return ''
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, list):
        return ','.join(cell(x) for x in v)
    return str(v)


def main():
    exp_path, our_path, cols = sys.argv[1], sys.argv[2], sys.argv[3].split(',')
    exp, exp_cols = rows(exp_path)
    ours, our_cols = rows(our_path)
    for name, have in (('expected', exp_cols), ('ours', our_cols)):
        if have is not None:
            missing = [c for c in cols if c not in have]
            if missing:
                print(f'{name} file lacks columns {missing}', file=sys.stderr)
                sys.exit(2)
    a = sorted(tuple(cell(r.get(c)) for c in cols) for r in exp)
    b = sorted(tuple(cell(r.get(c)) for c in cols) for r in ours)
    if a == b:
        print(f'same {len(a)} rows on {len(cols)} columns')
        return
    print(f'rows differ: expected {len(a)}, ours {len(b)}')
    for r in a:
        if r not in b:
            print('  only expected:', dict(zip(cols, r)))
    for r in b:
        if r not in a:
            print('  only ours:    ', dict(zip(cols, r)))
    sys.exit(1)


main()
