#!/usr/bin/python3
"""An attacker on everything a researcher sees together (used by cases.t,
directive `recover`; issue 14): the released copies of a run (out/) and the
project's earlier releases (previous/), solved as one linear system.
Written from the released files alone, not from trex-check's code.

The attacker knows the dimension names (DIMS) and the codes that mean a
total (TOTALS, and any code named Total). A table's cell is a point over
all dimensions: a dimension the table lacks, or a total code, is the total
there. The same point in two tables is one unknown unless their released
values differ (then the attacker sees two populations and keeps them
apart). Equations: along each dimension, a point with a total equals the
sum of the points below it that some table shows (one table's margins,
and one table's total against another's parts), kept unless every cell is
released and they do not add up. A hidden cell is recovered when the
system fixes its value (Gaussian elimination over the rationals), and the
attack succeeds when that value is the true one (TRUTH: the case's
unreleased tables) and is small: 0 < value < THRESHOLD.
usage: joint_recover.py DIMS TOTALS THRESHOLD TRUTH_DIR RELEASED_DIR...
(DIMS: comma separated; dim=col=col... when the attacker knows a column
renamed from one table to another for the same dimension)
prints each recovered cell and exits 1 when one is; 0 when none is.
"""
import csv
import glob
import os
import sys
from fractions import Fraction


ALIAS = {}  # a column name -> the dimension it is (DIMS entry dim=column)


def read(path, dims, totals):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return None
    head = [ALIAS.get(h, h) for h in rows[0]]
    have = [d for d in dims if d in head]
    rest = [i for i, h in enumerate(head) if h not in dims]
    if not rest:
        return None
    vcol = rest[0]  # the measure: the first column that is not a dimension
    out = []
    for r in rows[1:]:
        key = []
        for d in dims:
            if d not in head:
                key.append("*")
                continue
            c = r[head.index(d)]
            key.append("*" if c in totals or c.lower() == "total" else c)
        v = r[vcol]
        out.append((tuple(key), Fraction(v) if v not in ("", "NA") else None))
    return have, out


def main(argv):
    dims = []
    for d in argv[1].split(","):
        name = d.split("=")[0]
        dims.append(name)
        for c in d.split("=")[1:]:
            ALIAS[c] = name
    totals = set(argv[2].split(",")) if argv[2] else set()
    threshold = Fraction(argv[3])
    truth = {}
    for p in glob.glob(os.path.join(argv[4], "*.csv")):
        t = read(p, dims, totals)
        for k, v in (t[1] if t else []):
            truth.setdefault(k, set()).add(v)
    tables = []
    for d in argv[5:]:
        for p in sorted(glob.glob(os.path.join(d, "**", "*.csv"), recursive=True)):
            t = read(p, dims, totals)
            if t:
                tables.append((p, t[1]))
    # variables: one per point, split where released values disagree
    var = {}      # (key, instance) -> index
    known = {}    # index -> released value
    names = []
    cell_of = []  # per table: per row, variable
    for ti, (p, rows) in enumerate(tables):
        cells = []
        for k, v in rows:
            inst = 0
            while (k, inst) in var and v is not None and known.get(var[(k, inst)]) not in (None, v):
                inst += 1
            if (k, inst) not in var:
                var[(k, inst)] = len(names)
                names.append((k, inst, p))
            i = var[(k, inst)]
            if v is not None:
                known[i] = v
            cells.append(i)
        cell_of.append(cells)
    eqs = set()
    # one table's margins, and a point with a total against every point
    # below it shown anywhere (instance 0: the shared points)
    for ti, (p, rows) in enumerate(tables):
        for d in range(len(dims)):
            groups = {}
            for (k, _), i in zip(rows, cell_of[ti]):
                groups.setdefault(k[:d] + k[d + 1:], []).append((k[d], i))
            for g in groups.values():
                tot = [i for c, i in g if c == "*"]
                parts = tuple(sorted(i for c, i in g if c != "*"))
                if len(tot) == 1 and parts:
                    eqs.add((tot[0], parts))
    shared = {k: i for (k, inst), i in var.items() if inst == 0}
    for k, i in shared.items():
        for d in range(len(dims)):
            if k[d] != "*":
                continue
            parts = tuple(sorted(j for k2, j in shared.items()
                                 if k2[d] != "*" and k2[:d] == k[:d] and k2[d + 1:] == k[d + 1:]))
            if parts:
                eqs.add((i, parts))
    # equations over released cells only must hold, else no one uses them
    rows = []
    for tot, parts in eqs:
        cells = [(tot, 1)] + [(j, -1) for j in parts]
        if all(j in known for j, _ in cells):
            if sum(c * known[j] for j, c in cells) != 0:
                continue
        rows.append(cells)
    unknown = sorted({j for cells in rows for j, _ in cells if j not in known})
    col = {j: n for n, j in enumerate(unknown)}
    mat = []
    for cells in rows:
        r = [Fraction(0)] * (len(unknown) + 1)
        for j, c in cells:
            if j in known:
                r[-1] -= c * known[j]
            else:
                r[col[j]] += c
        mat.append(r)
    # reduced row echelon form
    piv_row = 0
    pivots = []
    for c in range(len(unknown)):
        pr = next((r for r in range(piv_row, len(mat)) if mat[r][c] != 0), None)
        if pr is None:
            continue
        mat[piv_row], mat[pr] = mat[pr], mat[piv_row]
        pv = mat[piv_row][c]
        mat[piv_row] = [x / pv for x in mat[piv_row]]
        for r in range(len(mat)):
            if r != piv_row and mat[r][c] != 0:
                f = mat[r][c]
                mat[r] = [a - f * b for a, b in zip(mat[r], mat[piv_row])]
        pivots.append((piv_row, c))
        piv_row += 1
    recovered = 0
    for r, c in pivots:
        if any(mat[r][x] != 0 for x in range(len(unknown)) if x != c):
            continue
        value = mat[r][-1]
        k, inst, p = names[unknown[c]]
        if value in truth.get(k, set()) and 0 < value < threshold:
            print("recovered %s from %s: %s" % ("/".join(k), os.path.basename(p), value))
            recovered += 1
    return 1 if recovered else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
