#!/usr/bin/python3
"""Inputs of the joint-check benchmark (bench/bench-joint.sh).

linked DIR: a job with 10 linked 50x50 frequency tables: a population of
  records over 5 attributes of 50 categories each (skewed, so some cells are
  small), and its 10 two-way tables (every pair of attributes) with their
  margins declared; any two tables share a one-way margin.
project DIR: a project with 100 earlier releases (90 20x20 tables of other
  cohorts over pairs of 6 attributes, their small cells hidden as a
  suppression pack leaves them: empty fields; 10 one-way margins of the
  job's own population) and a job with one 20x20 table over two of them.
Deterministic (seeded)."""
import itertools
import json
import os
import random
import sys


def crosstab(recs, i, j, ncat):
    t = {}
    for r in recs:
        t[(r[i], r[j])] = t.get((r[i], r[j]), 0) + 1
    return t


def write_table(path, names, t, cats_i, cats_j, total=True, hide=None):
    with open(path, "w") as f:
        f.write("%s,%s,n\n" % names)
        for a in cats_i:
            for b in cats_j:
                v = t.get((a, b), 0)
                f.write("%s,%s,%s\n" % (a, b, "" if hide and hide(v) else v))
            if total:
                f.write("%s,Total,%d\n" % (a, sum(t.get((a, b), 0) for b in cats_j)))
        if total:
            for b in cats_j:
                f.write("Total,%s,%d\n" % (b, sum(t.get((a, b), 0) for a in cats_i)))
            f.write("Total,Total,%d\n" % sum(t.values()))


def skewed(rng, n):
    # a few large categories, a long tail of small ones
    return min(int(rng.expovariate(1.0 / (n / 2.5))), n - 1)


def linked(d):
    rng = random.Random(14)
    dims, ncat, nrec = "ABCDE", 50, 400000
    recs = [tuple(skewed(rng, ncat) for _ in dims) for _ in range(nrec)]
    cats = ["%s%02d" % (x, k) for x in dims for k in range(ncat)]
    outs = []
    for i, j in itertools.combinations(range(len(dims)), 2):
        t = crosstab(recs, i, j, ncat)
        t = {("%s%02d" % (dims[i], a), "%s%02d" % (dims[j], b)): v for (a, b), v in t.items()}
        name = "t_%s%s.csv" % (dims[i], dims[j])
        write_table(os.path.join(d, name), (dims[i], dims[j]), t,
                    ["%s%02d" % (dims[i], k) for k in range(ncat)],
                    ["%s%02d" % (dims[j], k) for k in range(ncat)])
        outs.append({"path": name, "kind": "frequency_table", "dimensions": [dims[i], dims[j]],
                     "count": "n", "total_codes": {dims[i]: ["Total"], dims[j]: ["Total"]}})
    json.dump({"outputs": outs}, open(os.path.join(d, "manifest.json"), "w"))
    del cats


def project(d):
    rng = random.Random(15)
    dims, ncat, nrec = "UVWXYZ", 20, 60000
    prev = os.path.join(d, "previous")
    pairs = list(itertools.combinations(range(len(dims)), 2))
    recs = [tuple(skewed(rng, ncat) for _ in dims) for _ in range(nrec)]
    for k in range(100):
        if k % 10 == 0:
            # the job's own population by one attribute, released before
            i = (k // 10) % 2
            os.makedirs(os.path.join(prev, "job%03d" % k), exist_ok=True)
            with open(os.path.join(prev, "job%03d" % k, "m.csv"), "w") as f:
                f.write("%s,patients\n" % dims[i])
                for c in range(ncat):
                    f.write("%s%02d,%d\n" % (dims[i], c, sum(1 for r in recs if r[i] == c)))
            continue
        # each release a subgroup of the population (another job's cohort)
        recs = [tuple(skewed(rng, ncat) for _ in dims) for _ in range(nrec // 10)]
        i, j = pairs[k % len(pairs)]
        t = crosstab(recs, i, j, ncat)
        t = {("%s%02d" % (dims[i], a), "%s%02d" % (dims[j], b)): v for (a, b), v in t.items()}
        os.makedirs(os.path.join(prev, "job%03d" % k), exist_ok=True)
        write_table(os.path.join(prev, "job%03d" % k, "t.csv"), (dims[i], dims[j]), t,
                    ["%s%02d" % (dims[i], c) for c in range(ncat)],
                    ["%s%02d" % (dims[j], c) for c in range(ncat)],
                    hide=lambda v: 0 < v < 10)
    t = crosstab(recs, 0, 1, ncat)
    t = {("U%02d" % a, "V%02d" % b): v for (a, b), v in t.items()}
    write_table(os.path.join(d, "t.csv"), ("U", "V"), t, ["U%02d" % c for c in range(ncat)],
                ["V%02d" % c for c in range(ncat)])
    json.dump({"outputs": [{"path": "t.csv", "kind": "frequency_table", "dimensions": ["U", "V"],
                            "count": "n", "total_codes": {"U": ["Total"], "V": ["Total"]}}]},
              open(os.path.join(d, "manifest.json"), "w"))


if __name__ == "__main__":
    os.makedirs(sys.argv[2], exist_ok=True)
    {"linked": linked, "project": project}[sys.argv[1]](sys.argv[2])
