#!/usr/bin/python3
"""Checks of trex-check's SACRO Viewer export (--acro-json DIR).

  sacro_check.py invariant EXPORT REPORT CASEDIR OUT
      every released table of a run: the export holds exactly its released
      copy, checksummed, and the viewer highlights exactly the cells the
      copy hides (cases.t runs it on every case)
  sacro_check.py reference REF EXPORT INPUT OUT REPORT
      the export of tests/disclosure/acro/reference/input compared field by
      field with the results.json ACRO 1.0.1 wrote for the same tables
      (reference/acro, from make_reference.py)

Prints one line per test: "ok|NAME" or "not ok|NAME|WHY"; the .t script
turns them into TAP.

How SACRO Viewer shows an export (github.com/AI-SDC/SACRO-Viewer,
sacro/models.py and assets/src/scripts/_table-builder.js), which viewer()
follows: a file's name is resolved next to results.json; its highlights
come from files[].sdc.cells, a list of [x, y] per check, and are computed
only when checksums/<name>.txt exists; [x, y] marks the y+2-th cell of the
x+1-th body row of the table (the CSV's first line is the head), that is
data row x, CSV column y+1.
"""
import csv
import hashlib
import json
import os
import re
import sys

LINES = []


def ok(name):
    LINES.append(f"ok|{name}")


def fail(name, why):
    LINES.append(f"not ok|{name}|{str(why)[:300]}")


def expect(name, cond, why=""):
    if cond:
        ok(name)
    else:
        fail(name, why)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def viewer(export, entry):
    """{(file, row, column): [checks]}: the CSV cells the viewer marks."""
    marked = {}
    for fd in entry["files"]:
        if not os.path.exists(os.path.join(export, "checksums", fd["name"] + ".txt")):
            continue
        for check, positions in fd.get("sdc", {}).get("cells", {}).items():
            for x, y in positions:
                marked.setdefault((fd["name"], x, y + 1), []).append(check)
    return marked


def checksums(name, export):
    """Every file of the folder but config.json has its valid checksum."""
    files = sorted(f for f in os.listdir(export) if os.path.isfile(os.path.join(export, f)))
    bad = []
    for f in files:
        if f == "config.json":
            continue
        ck = os.path.join(export, "checksums", f + ".txt")
        if not os.path.exists(ck):
            bad.append(f"{f}: no checksum")
        elif open(ck, encoding="utf-8").read() != sha256(os.path.join(export, f)):
            bad.append(f"{f}: checksum differs")
    expect(f"{name}: every file checksummed", not bad and "results.json" in files, bad)
    return files


def hidden_rows(report_file):
    return {c["row"] - 1 for c in report_file["cells"]
            if c["action"] in ("primary", "secondary", "redacted")}


def invariant(export, report_path, casedir, out):
    report = json.load(open(report_path, encoding="utf-8"))
    results = json.load(open(os.path.join(export, "results.json"), encoding="utf-8"))
    name = os.path.basename(casedir.rstrip("/"))
    files = checksums(name, export)
    released = {f"output_{i}": f for i, f in enumerate(report["files"]) if f["released"]}
    expect(f"{name}: an entry per released table", set(results["results"]) == set(released),
           f"{sorted(results['results'])} vs {sorted(released)}")
    expect(f"{name}: only released copies in the folder",
           set(files) == {"results.json", "config.json"}
           | {f"{u}_0.csv" for u in released}, files)
    for uid, rf in released.items():
        entry = results["results"].get(uid)
        if entry is None:
            continue
        fname = entry["files"][0]["name"]
        copy = os.path.join(export, fname)
        with open(copy, "rb") as a, open(os.path.join(out, rf["released"]), "rb") as b:
            expect(f"{name}: {uid} is the released copy of {rf['file']}",
                   a.read() == b.read())
        head, rows = read_csv(copy)
        _, raw = read_csv(os.path.join(casedir, rf["file"]))
        dims = set(entry["fair"]["independent"]) if entry["type"] == "table" else set(head)
        measures = [c for c, h in enumerate(head) if h not in dims]
        hide = hidden_rows(rf)
        want = {(fname, r, c) for r in hide for c in measures}
        got = set(viewer(export, entry))
        expect(f"{name}: {uid} highlights = the hidden cells", got == want,
               f"extra {sorted(got - want)[:5]} missing {sorted(want - got)[:5]}")
        # a hidden cell holds the marker, and every cell the copy changed
        # to the marker is highlighted (rounding packs change others)
        marks = {rows[r][c] for (_, r, c) in want}
        marker = next(iter(marks)) if len(marks) == 1 else ""
        rawhead, _ = read_csv(os.path.join(casedir, rf["file"]))
        changed = {(fname, r, c) for r in range(len(rows)) for c in measures
                   if head[c] in rawhead and rows[r][c] == marker
                   and rows[r][c] != raw[r][rawhead.index(head[c])]}
        expect(f"{name}: {uid} hides what it highlights", changed <= want and len(marks) <= 1,
               f"changed not highlighted {sorted(changed - want)[:5]}, texts {marks}")
        if entry["type"] != "table":
            continue
        outcome = entry["outcome"]
        bad = [(h, r) for c in measures for h in [head[c]] for r in range(len(rows))
               if (outcome.get(h, {}).get(str(r)) == "ok") == (r in hide)]
        expect(f"{name}: {uid} outcome has every cell", not bad
               and set(outcome) == {head[c] for c in measures}
               and all(len(outcome[head[c]]) == len(rows) for c in measures), bad[:5])


SUMMARY_LINE = re.compile(r"^ ?(\w+): (fail|pass|review) - (\d+) cells")


def summary_parts(text):
    """(analysis, [(check, status, count)], [checks without counts])."""
    head, _, rest = text.partition(" : ")
    counted, other = [], []
    for line in rest.split("\n"):
        m = SUMMARY_LINE.match(line)
        if m:
            counted.append((m.group(1), m.group(2), int(m.group(3))))
        elif line.strip():
            other.append(line.strip().split(":")[0])
    return head, counted, other


def reference(ref, export, inputdir, out, report_path):
    report = json.load(open(report_path, encoding="utf-8"))
    acro = json.load(open(os.path.join(ref, "results.json"), encoding="utf-8"))
    trex = json.load(open(os.path.join(export, "results.json"), encoding="utf-8"))
    manifest = json.load(open(os.path.join(inputdir, "manifest.json"), encoding="utf-8"))
    expect("version: ACRO's", trex["version"] == acro["version"] == "1.0.1",
           f"{trex['version']} / {acro['version']}")
    expect("results: the same outputs", list(trex["results"]) == list(acro["results"]),
           f"{list(trex['results'])}")
    checksums("acro reference", ref)
    checksums("trex export", export)

    # config.json: ACRO's keys with trex's values; ACRO's survival
    # threshold has no counterpart, no file kinds are blocked
    ca = json.load(open(os.path.join(ref, "config.json"), encoding="utf-8"))
    ct = json.load(open(os.path.join(export, "config.json"), encoding="utf-8"))
    differ = {k: (ca[k], ct.get(k)) for k in ca
              if k not in ("survival_safe_threshold", "blocked_extensions") and ca[k] != ct.get(k)}
    expect("config.json: ACRO's keys and values", not differ, differ)
    expect("config.json: no survival threshold, nothing blocked, the pack named",
           "survival_safe_threshold" not in ct and ct["blocked_extensions"] == []
           and set(ct) - set(ca) == {"policy", "policy_version"}, sorted(ct))

    for i, (uid, a) in enumerate(acro["results"].items()):
        t = trex["results"].get(uid)
        decl = manifest["outputs"][i]
        if t is None:
            fail(f"{uid}: exported", "missing")
            continue
        wide = a["properties"]["method"] == "crosstab"
        dims = decl["dimensions"]
        expect(f"{uid}: the same fields in ACRO's order", list(t) == list(a), f"{list(t)}")
        for k in ("uid", "status", "type", "comments"):
            expect(f"{uid}: {k}", t[k] == a[k], f"{t[k]!r} vs {a[k]!r}")
        expect(f"{uid}: properties", t["properties"] == dict(a["properties"], method="pivot_table"),
               t["properties"])
        expect(f"{uid}: an exception saying suppression was applied",
               isinstance(t["exception"], str) and "suppress" in t["exception"]
               and "suppress" in a["exception"].lower(), t["exception"])
        iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
        expect(f"{uid}: timestamp as ACRO writes it", iso.match(t["timestamp"])
               and iso.match(a["timestamp"]), t["timestamp"])
        expect(f"{uid}: command names the file", t["command"] == f"trex-check {decl['path']}",
               t["command"])
        # fair: the same, but ACRO's crosstab has no dependent variable
        fa = dict(a["fair"])
        if wide:
            fa["dependent"] = decl.get("value", decl.get("count"))
        expect(f"{uid}: fair", t["fair"] == fa, json.dumps(t["fair"])[:300])

        # the released tables and their cells, by the labels they hold
        afile, tfile = a["files"][0], t["files"][0]
        expect(f"{uid}: one file named as ACRO names it", len(t["files"]) == 1
               and tfile["name"] == afile["name"], tfile["name"])
        rf = report["files"][i]
        with open(os.path.join(export, tfile["name"]), "rb") as x, \
                open(os.path.join(out, rf["released"]), "rb") as y:
            expect(f"{uid}: the released copy, not the input", x.read() == y.read())
        ahead, arows = read_csv(os.path.join(ref, afile["name"]))
        thead, trows = read_csv(os.path.join(export, tfile["name"]))
        rawhead, raw = read_csv(os.path.join(inputdir, decl["path"]))
        measures = [c for c, h in enumerate(thead) if h not in dims]

        def akey(x, col):
            """ACRO's cell: (labels..., measure or None)."""
            if wide:
                return (arows[x][0], ahead[col])
            return (arows[x][0],)

        def tkey(x):
            return tuple(trows[x][thead.index(d)] for d in dims)

        # every cell ACRO suppressed, by labels; trex hides the same and
        # highlights them with the same checks
        ablank = {akey(x, c) for x in range(len(arows)) for c in range(1, len(ahead))
                  if arows[x][c] == ""}
        amarks = {(akey(x, col), tuple(sorted(ch)))
                  for (_, x, col), ch in viewer(ref, a).items()}
        expect(f"{uid}: ACRO's own highlights land on its suppressed cells",
               {k for k, _ in amarks} == ablank, f"{sorted(amarks)} vs {sorted(ablank)}")
        tmarks = viewer(export, t)
        tcells = {(x, col) for (_, x, col) in tmarks}
        tblank = {(x, c) for x in range(len(trows)) for c in measures
                  if trows[x][c] == "" and raw[x][rawhead.index(thead[c])] != ""}
        expect(f"{uid}: trex's highlights land exactly on its suppressed cells "
               f"({len(tcells)} of {len(tblank)})", tcells == tblank,
               f"extra {sorted(tcells - tblank)[:5]} missing {sorted(tblank - tcells)[:5]}")
        tbykey = {(tkey(x), tuple(sorted(ch))) for (_, x, col), ch in tmarks.items()}
        expect(f"{uid}: the same cells with the same checks as ACRO",
               tbykey == {(k[:len(dims)] if not wide else k, ch) for k, ch in amarks},
               f"trex {sorted(tbykey)} acro {sorted(amarks)}")
        if not wide:
            expect(f"{uid}: positions exactly ACRO's (same table shape)",
                   tfile["sdc"]["cells"] == {**afile["sdc"]["cells"], "SecondarySuppression": []},
                   json.dumps(tfile["sdc"]["cells"]))

        # sdc.summary: ACRO's checks in ACRO's order, then trex's one;
        # a count per suppressed CSV cell (trex's magnitude copy also
        # blanks its contributor count)
        ts, as_ = tfile["sdc"]["summary"], afile["sdc"]["summary"]
        expect(f"{uid}: sdc check names (ACRO's, then SecondarySuppression)",
               list(ts) == list(as_) + ["SecondarySuppression"]
               and list(tfile["sdc"]["cells"]) == list(ts), list(ts))
        expect(f"{uid}: sdc counts", all(ts[k] == as_[k] * len(measures) for k in as_)
               and ts["SecondarySuppression"] == 0, f"{ts} vs {as_} x {len(measures)}")

        # outcome: a result for every cell, rows by position; where ACRO
        # has the cell (by labels), the same words
        out_ok = set(t["outcome"]) == {thead[c] for c in measures} and all(
            len(t["outcome"][thead[c]]) == len(trows) for c in measures)
        expect(f"{uid}: outcome covers every cell by position", out_ok, list(t["outcome"]))
        bad = []
        for col, cells in a["outcome"].items():
            for label, words in cells.items():
                key = (label, col) if wide else (label,)
                xs = [x for x in range(len(trows)) if tkey(x) == key]
                for x in xs:
                    for c in measures:
                        if t["outcome"][thead[c]][str(x)] != words:
                            bad.append((key, thead[c], t["outcome"][thead[c]][str(x)], words))
                if not xs:
                    bad.append((key, "no row"))
        expect(f"{uid}: outcome words are ACRO's", not bad, bad[:4])

        # summary: same analysis, the same checks in the same order with
        # the same status words and counts (per CSV cell), trex's wording
        th, tc, to = summary_parts(t["summary"])
        ah, ac, ao = summary_parts(a["summary"])
        expect(f"{uid}: summary analysis {ah}", th == ah, th)
        expect(f"{uid}: summary checks, status words and counts",
               [(c, s, n) for c, s, n in tc] == [(c, s, n * len(measures)) for c, s, n in ac]
               and to == ao, f"{tc} {to} vs {ac} {ao}")
        expect(f"{uid}: viewer status badge word", t["summary"].split("; ")[0].split(" : ")[0]
               == a["summary"].split("; ")[0].split(" : ")[0], t["summary"][:40])


def main(argv):
    if argv[1] == "invariant":
        invariant(*argv[2:6])
    elif argv[1] == "reference":
        reference(*argv[2:7])
    else:
        raise SystemExit(__doc__)
    print("\n".join(LINES))


if __name__ == "__main__":
    main(sys.argv)
