#!/usr/bin/env python3
"""The canary dataset of tests/egress/canary.t, and what its hostile jobs
derive from it.

    dataset.py OUT_DIR     writes OUT_DIR/patients.csv and prints, as JSON,
                           the facts the suite checks against (canaries,
                           the values each selector makes a job derive, the
                           benign table the researcher must still get).

Columns, in this order, with H a value unique to its row:
    patient_id (H, a canary), age_band, sex, cost (H), region, diag, note (H)
so any three consecutive fields of a row hold a value no aggregated output
can produce (the row scan of scan.py relies on it). Canaries (the prefix
CNRY7Q) are every patient_id, the note of every tenth row and the diag of
three rows. No value holds a separator of scan.py (whitespace , ; | : = " '
` \\ / ( ) [ ] { } < >), so a value is always one whole token.

Deterministic (fixed seed). A pair of jobs runs the same code on two rows
(the argument rN names data row N, 0-based): row A = 7 and row B, the
first row after A whose derived values all differ from A's (and whose
suppressed counts hold two values A's do not, and A's two that B's do
not), so that each of the pair's views can be told apart by the secret it
carries."""
import json
import os
import random
import sys

ROWS = 300
AGE_BANDS = ["0-17", "18-39", "40-64", "65-79", "80-plus"]
SEXES = ["F", "M"]
DIAGS = ["E11", "I10", "C50", "J45", "F32", "K21"]
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def canary(rng, kind):
    return "CNRY7Q" + kind + "".join(rng.choice(B32) for _ in range(10))


def build():
    rng = random.Random(20261129)
    seen, rows = set(), []
    while len(rows) < ROWS:
        pid = canary(rng, "")
        cost = "%d.%02d" % (rng.randint(1000, 9999), rng.randint(1, 99))
        if cost.endswith("0"):
            cost = cost[:-1] + "7"
        note = "ref-%08x" % rng.getrandbits(32)
        if pid in seen or cost in seen or note in seen:
            continue
        seen.update((pid, cost, note))
        i = len(rows)
        rows.append({
            "patient_id": pid,
            "age_band": AGE_BANDS[rng.randrange(len(AGE_BANDS))],
            "sex": SEXES[rng.randrange(2)],
            "cost": cost,
            "region": "R%02d" % rng.randint(1, 12),
            "diag": canary(rng, "DX") if i in (5, 150, 290) else rng.choice(DIAGS),
            "note": canary(rng, "NT") if i % 10 == 3 else note,
        })
    return rows


COLUMNS = ["patient_id", "age_band", "sex", "cost", "region", "diag", "note"]


def derived(rows, i):
    """What the hostile jobs compute from data row i (the job code repeats
    these formulas; keep them in step)."""
    r = rows[i]
    whole = int(r["cost"].split(".")[0])
    return {
        # exit status of jobs/exit.R: 20..109, never a code trex-sandbox
        # reserves (124 timeout, 125 set-up, 128+N signals)
        "exit_code": whole % 90 + 20,
        # the signal jobs/signal.py kills itself with
        "signal": [10, 12, 14][whole % 3],
        # the counts jobs/suppressed.sh writes into cells g1..g3: 3..9,
        # below the default threshold 10, so every one is suppressed
        "suppressed": [int(rows[i + k]["cost"].split(".")[0]) % 7 + 3 for k in range(3)],
        # bytes jobs/dump.sh writes to stdout
        "stdout_bytes": whole,
        # the byte jobs/bits.py spells with its 8 declared outputs
        "bits": whole % 256,
        # tenths of a second jobs/timing.py sleeps, MiB it allocates
        "sleep_tenths": 10 + whole % 5,
        "alloc_mb": 150 + whole % 10,
    }


def main():
    out = sys.argv[1]
    rows = build()
    with open(os.path.join(out, "patients.csv"), "w") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(r[c] for c in COLUMNS) + "\n")
    benign = {}
    for r in rows:
        k = (r["age_band"], r["sex"])
        benign[k] = benign.get(k, 0) + 1
    a = 7
    da = derived(rows, a)
    b = a + 3
    while True:
        db = derived(rows, b)
        sa, sb = set(da["suppressed"]), set(db["suppressed"])
        if all(da[k] != db[k] for k in da) and len(sa - sb) >= 2 and len(sb - sa) >= 2:
            break
        b += 1
    facts = {
        "columns": COLUMNS,
        "rows": ROWS,
        "canary_prefix": "CNRY7Q",
        "A": dict(da, row=a),
        "B": dict(db, row=b),
        # what jobs/benign.py releases: age_band,sex,n sorted, every count
        # far above any threshold
        "benign_csv": "age_band,sex,n\n" + "".join(
            "%s,%s,%d\n" % (a, s, benign.get((a, s), 0)) for a in AGE_BANDS for s in SEXES),
        "benign_min": min(benign.get((a, s), 0) for a in AGE_BANDS for s in SEXES),
    }
    json.dump(facts, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
