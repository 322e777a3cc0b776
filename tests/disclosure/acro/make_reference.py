#!/usr/bin/python3
"""Build the SACRO export reference: the same small tables checked by ACRO
1.0.1 itself (its results.json, config.json, checksums and released CSVs)
and written as the aggregated tables trex-check reads.

usage: ACRO_SRC=/path/to/ACRO/checkout make_reference.py OUTDIR

ACRO_SRC is a checkout of https://github.com/AI-SDC/ACRO at tag v1.0.1 (the
folder holding acro/); its dependencies come from Debian (python3-pandas,
-statsmodels, -matplotlib, -rdflib, -tabulate, -openpyxl, -lxml, -yaml).
OUTDIR/acro is ACRO's finalise() folder, OUTDIR/input the tables and
manifest for trex-check. tests/disclosure/acro/reference is this script's
output, committed, so the test runs where ACRO is not installed
(tests/disclosure/acro_export.t compares against it, and against a fresh
run when ACRO_SRC is set).

The microdata are chosen so that every flagged cell fails one rule only
and no rule sits on its boundary: where the two checkers agree on a cell,
their exports must agree on it field by field.
"""
import json
import logging
import os
import shutil
import sys

import pandas as pd


def people(spec):
    """Records (one per person) from {(labels...): [income, ...]}."""
    rows = [k + (v,) for k, incomes in spec.items() for v in incomes]
    return rows


def tables():
    """The microdata of each table: a DataFrame per ACRO call."""
    # one dimension: E and C below the threshold of 10
    freq1 = pd.DataFrame(people({("N",): [1] * 33, ("S",): [1] * 41, ("E",): [1] * 3,
                                 ("W",): [1] * 22, ("C",): [1] * 1}),
                         columns=["region", "income"])
    # region x sex: E,F below the threshold, W has no women (a zero cell,
    # which fails the threshold too), C,M a single man
    freq2 = pd.DataFrame(people({("N", "F"): [1] * 12, ("N", "M"): [1] * 11,
                                 ("S", "F"): [1] * 15, ("S", "M"): [1] * 14,
                                 ("E", "F"): [1] * 3, ("E", "M"): [1] * 16,
                                 ("W", "M"): [1] * 12, ("C", "F"): [1] * 13,
                                 ("C", "M"): [1] * 1}),
                         columns=["region", "sex", "income"])
    # region x sector sums of income: N,manu dominated by one income (NK
    # fails with (1000 + 100) / 1210 = 0.909, p% holds with
    # (1210 - 1100) / 1000 = 0.11), E,manu three contributors (threshold
    # only: NK 40/60, p% 1.0), the rest at least 10 equal incomes
    mag2 = pd.DataFrame(people({("N", "agri"): [20] * 23,
                                ("N", "manu"): [1000, 100, 14, 14, 14, 14, 14, 14, 14, 12],
                                ("S", "agri"): [20] * 29, ("S", "manu"): [50] * 12,
                                ("E", "agri"): [20] * 19, ("E", "manu"): [20, 20, 20],
                                ("W", "agri"): [20] * 12, ("W", "manu"): [30] * 10,
                                ("C", "agri"): [20] * 14, ("C", "manu"): [40] * 11}),
                        columns=["region", "sector", "income"])
    return freq1, freq2, mag2


def main(out):
    sys.path.insert(0, os.environ["ACRO_SRC"])
    import acro  # noqa: E402  (from ACRO_SRC)

    logging.disable(logging.WARNING)
    freq1, freq2, mag2 = tables()
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(f"{out}/input")
    session = acro.ACRO(suppress=True)
    # output_0: one dimension, long form (ACRO's file and trex's have the
    # same shape: positions compare exactly)
    session.pivot_table(freq1, index=["region"], values="income", aggfunc="count")
    # output_1: region x sex counts (ACRO writes it wide, trex reads long)
    session.crosstab(freq2.region, freq2.sex)
    # output_2: region x sector sums of income
    session.crosstab(mag2.region, mag2.sector, values=mag2.income, aggfunc="sum")
    session.finalise(f"{out}/acro", "json")

    # the same tables, aggregated, as trex-check reads them (rows in the
    # order of ACRO's tables: sorted labels, row-major)
    g = freq1.groupby("region")["income"].count()
    pd.DataFrame({"region": g.index, "income": g.values}).to_csv(
        f"{out}/input/freq1.csv", index=False)
    ct = pd.crosstab(freq2.region, freq2.sex)
    rows = [(r, s, int(ct.loc[r, s])) for r in ct.index for s in ct.columns]
    pd.DataFrame(rows, columns=["region", "sex", "n"]).to_csv(
        f"{out}/input/freq2.csv", index=False)
    rows = []
    for r in sorted(mag2.region.unique()):
        for s in sorted(mag2.sector.unique()):
            v = sorted(mag2[(mag2.region == r) & (mag2.sector == s)].income, reverse=True)
            rows.append((r, s, int(sum(v)), len(v), int(v[0]), int(v[1]) if len(v) > 1 else 0))
    pd.DataFrame(rows, columns=["region", "sector", "income", "n", "top1", "top2"]).to_csv(
        f"{out}/input/mag2.csv", index=False)
    manifest = {"outputs": [
        {"path": "freq1.csv", "kind": "frequency_table", "dimensions": ["region"],
         "count": "income"},
        {"path": "freq2.csv", "kind": "frequency_table", "dimensions": ["region", "sex"],
         "count": "n"},
        {"path": "mag2.csv", "kind": "magnitude_table", "dimensions": ["region", "sector"],
         "value": "income", "contributors": "n", "largest": ["top1", "top2"]},
    ]}
    with open(f"{out}/input/manifest.json", "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
