#!/usr/bin/python3
"""ACRO-like disclosure check of a magnitude table in long format, in pandas:
the reference trex-check is benchmarked against (make bench-check).

Same rules as ACRO's defaults, with the boundaries of ACRO 1.0.1: a cell
fails when it has fewer than safe_threshold contributors, when its safe_nk_n
largest contributions are safe_nk_k of the total or more ((n,k)-dominance:
top / total >= k), or when the total minus the two largest is below
safe_pratio_p of the largest (p% rule: rest / largest < p, the rest itself
when the largest is 0). Failing cells are suppressed in the
released copy, the largest-contribution columns are dropped, and a per-cell
outcome is written as JSON, like ACRO's results.json.

usage: acro_like.py IN.csv OUT.csv OUT.json
"""
import json
import sys

import pandas as pd

SAFE_THRESHOLD = 10
SAFE_NK_N = 2
SAFE_NK_K = 0.9
SAFE_PRATIO_P = 0.1


def main(src, out_csv, out_json):
    df = pd.read_csv(src, dtype={"a": str, "b": str})
    top = df["top1"] + df["top2"]  # SAFE_NK_N == 2
    threshold = df["n"] < SAFE_THRESHOLD
    dominance = ~threshold & (top / df["cost"] >= SAFE_NK_K)
    rest = df["cost"] - top
    pval = rest.where(df["top1"] == 0, rest / df["top1"].where(df["top1"] != 0))
    pratio = ~threshold & ~dominance & (pval < SAFE_PRATIO_P)
    fail = threshold | dominance | pratio
    outcome = pd.Series("ok", index=df.index)
    outcome[threshold] = "threshold; "
    outcome[dominance] = "dominance; "
    outcome[pratio] = "p-ratio; "
    released = df.drop(columns=["top1", "top2"]).astype({"cost": "Int64", "n": "Int64"})
    released.loc[fail, ["cost", "n"]] = pd.NA
    released.to_csv(out_csv, index=False)
    cells = [
        {"row": int(i) + 1, "key": {"a": a, "b": b}, "outcome": o}
        for i, a, b, o in zip(df.index[fail], df["a"][fail], df["b"][fail], outcome[fail])
    ]
    status = "fail" if len(cells) else "pass"
    with open(out_json, "w") as f:
        json.dump({"output_0": {"status": status, "type": "table", "cells": cells,
                                "summary": f"{int(fail.sum())} of {len(df)} cells suppressed"}}, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])
