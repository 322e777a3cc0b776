#!/usr/bin/python3
"""Independent check of a released table with declared margins (used by
cases.t, directive `margins F`): written from the declaration, not from
trex-check's code.

- every released total equals the original total (never recomputed);
- no margin equation (total = sum of its direct children) has exactly one
  hidden cell, so nothing is recovered by one subtraction;
- each equation whose cells are all released still adds up;
- magnitude tables with a contributors column: no equation hides exactly
  two cells that each have a single contributor, who knows their own
  and would subtract it to recover the other (the singleton problem).
usage: margins_check.py m.json ORIGINAL.csv RELEASED.csv
"""
import csv
import json
import sys


def main(man, orig, rel):
    decl = json.load(open(man))["outputs"][0]
    dims, count = decl["dimensions"], decl.get("count") or decl["value"]
    totals = decl.get("total_codes", {})
    hier = decl.get("hierarchies", {})
    o = {tuple(r[d] for d in dims): r[count] for r in csv.DictReader(open(orig, newline=""))}
    nc = decl.get("contributors")
    single = {tuple(r[d] for d in dims) for r in csv.DictReader(open(orig, newline=""))
              if nc and r[nc] == "1"}
    r = {tuple(x[d] for d in dims): x[count] for x in csv.DictReader(open(rel, newline=""))}
    codes = [sorted({k[i] for k in o}) for i in range(len(dims))]
    errors = []
    for key, val in o.items():
        is_total = any(key[i] in totals.get(d, []) for i, d in enumerate(dims))
        if is_total and r[key] not in ("", val):
            errors.append(f"total {key} released as {r[key]}, true {val}")
        for i, d in enumerate(dims):
            if key[i] not in totals.get(d, []):
                continue
            kids = hier.get(d, {}).get(key[i])
            if kids is None:
                kids = [c for c in codes[i] if c not in totals.get(d, [])]
            members = [key] + [k for k in (key[:i] + (c,) + key[i + 1:] for c in kids) if k in o]
            hidden = [m for m in members if r[m] == ""]
            if len(hidden) == 1:
                errors.append(f"equation of {key} over {d} hides only {hidden[0]}")
            if len(hidden) == 2 and hidden[0] in single and hidden[1] in single:
                errors.append(f"equation of {key} over {d} hides only two single-contributor cells")
            if not hidden:
                s = sum(float(r[m]) for m in members[1:])
                if abs(s - float(r[key])) > 1e-9:
                    errors.append(f"equation of {key} over {d} does not add up")
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
