#!/usr/bin/python3
"""Inputs of bench/bench-check.sh, deterministic (numpy, fixed seeds).

  micro OUT.csv NMICRO   magnitude table aggregated from NMICRO microdata rows
                         (one row per patient-cost record, skewed over 500 x 400
                         cells): a,b,cost,n,top1,top2
  freq OUT.csv ROWS      large frequency table region x age x code, count n
                         (about 1% of cells under 10)
  supp OUT.csv OUT.json [N [SMALL [SEED]]]
                         N x N (default 100) frequency table with row, column
                         and grand totals ((N+1)^2 cells, a share SMALL of
                         them under 10, default 0.11) and its manifest
  mag OUT.csv OUT.json N [SEED]
                         N x N magnitude table with row, column and grand
                         totals: cost, contributors n, the two largest
                         contributions (about 6% of cells with a single
                         contributor, 6% dominated, 4% with too few
                         contributors) and its manifest
"""
import json
import sys

import numpy as np


def micro(path, nmicro):
    rng = np.random.default_rng(20261129)
    A, B = 500, 400
    ncell = A * B
    # skewed cell sizes: a few large cells, many small ones, as in real tables
    w = rng.pareto(1.2, ncell) + 0.02
    cell = rng.choice(ncell, size=nmicro, p=w / w.sum())
    val = np.maximum(1, rng.lognormal(5.0, 1.2, nmicro).astype(np.int64))
    order = np.lexsort((-val, cell))
    cell, val = cell[order], val[order]
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    ids = cell[starts]
    n = np.diff(np.r_[starts, len(cell)])
    total = np.add.reduceat(val, starts)
    top1 = val[starts]
    top2 = np.where(n > 1, val[np.minimum(starts + 1, len(val) - 1)], 0)
    with open(path, "w") as f:
        f.write("a,b,cost,n,top1,top2\n")
        for i, nn, t, x1, x2 in zip(ids.tolist(), n.tolist(), total.tolist(), top1.tolist(),
                                    top2.tolist()):
            f.write(f"A{i // B},B{i % B},{t},{nn},{x1},{x2}\n")


def freq(path, rows):
    rng = np.random.default_rng(7)
    n = rng.integers(10, 5000, rows)
    small = rng.random(rows) < 0.01
    n[small] = rng.integers(0, 10, int(small.sum()))
    with open(path, "w") as f:
        f.write("region,age,code,n\n")
        for k, c in enumerate(n.tolist()):
            f.write(f"R{k // 20000},A{(k // 200) % 100},C{k % 200},{c}\n")


def supp(path, manifest, n=100, share=0.11, seed=11):
    rng = np.random.default_rng(seed)
    v = rng.integers(10, 300, (n, n))
    small = rng.random((n, n)) < share
    v[small] = rng.integers(1, 10, int(small.sum()))
    with open(path, "w") as f:
        f.write("r,c,n\n")
        for i in range(n):
            for j in range(n):
                f.write(f"R{i},C{j},{v[i, j]}\n")
            f.write(f"R{i},Total,{v[i].sum()}\n")
        for j in range(n):
            f.write(f"Total,C{j},{v[:, j].sum()}\n")
        f.write(f"Total,Total,{v.sum()}\n")
    name = path.rsplit("/", 1)[-1]
    json.dump({"outputs": [{"path": name, "kind": "frequency_table", "dimensions": ["r", "c"],
                            "count": "n", "total_codes": {"r": ["Total"], "c": ["Total"]}}]},
              open(manifest, "w"))


def mag(path, manifest, n, seed=5):
    rng = np.random.default_rng(seed)
    v = rng.integers(50, 2000, (n, n))
    k = rng.random((n, n))
    cnt = rng.integers(12, 60, (n, n))
    top1 = v // 5
    top2 = v // 8
    single = k < 0.06
    cnt[single] = 1
    top1[single] = v[single]
    top2[single] = 0
    dom = (k >= 0.06) & (k < 0.12)
    top1[dom] = v[dom] * 93 // 100
    top2[dom] = v[dom] * 4 // 100
    few = (k >= 0.12) & (k < 0.16)
    cnt[few] = rng.integers(2, 10, int(few.sum()))

    def agg(vals, n1, t1, t2):
        # contributors are distinct across cells: the total's two largest
        # are the two largest of its cells' largest contributions
        tops = np.sort(np.concatenate([t1, t2]))[::-1]
        return int(vals.sum()), int(n1.sum()), int(tops[0]), int(tops[1])

    with open(path, "w") as f:
        f.write("r,c,cost,n,top1,top2\n")
        for i in range(n):
            for j in range(n):
                f.write(f"R{i},C{j},{v[i, j]},{cnt[i, j]},{top1[i, j]},{top2[i, j]}\n")
            f.write("R%d,Total,%d,%d,%d,%d\n" % ((i,) + agg(v[i], cnt[i], top1[i], top2[i])))
        for j in range(n):
            f.write("Total,C%d,%d,%d,%d,%d\n" % ((j,) + agg(v[:, j], cnt[:, j], top1[:, j],
                                                           top2[:, j])))
        f.write("Total,Total,%d,%d,%d,%d\n" % agg(v, cnt, top1.ravel(), top2.ravel()))
    name = path.rsplit("/", 1)[-1]
    json.dump({"outputs": [{"path": name, "kind": "magnitude_table", "dimensions": ["r", "c"],
                            "value": "cost", "contributors": "n", "largest": ["top1", "top2"],
                            "total_codes": {"r": ["Total"], "c": ["Total"]}}]},
              open(manifest, "w"))


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "micro":
        micro(sys.argv[2], int(sys.argv[3]))
    elif what == "freq":
        freq(sys.argv[2], int(sys.argv[3]))
    elif what == "mag":
        mag(sys.argv[2], sys.argv[3], int(sys.argv[4]), *(int(sys.argv[5]),) if len(sys.argv) > 5 else ())
    else:
        supp(sys.argv[2], sys.argv[3], *(int(sys.argv[4]),) if len(sys.argv) > 4 else (),
             *(float(sys.argv[5]),) if len(sys.argv) > 5 else (),
             *(int(sys.argv[6]),) if len(sys.argv) > 6 else ())
