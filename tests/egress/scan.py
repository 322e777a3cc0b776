#!/usr/bin/env python3
"""Scanner of tests/egress/canary.t: finds dataset content in saved answers.

    scan.py selftest DATASET_CSV
    scan.py scan DATASET_CSV FACTS FIGURES INDEX --mode clean|control
                 --pairs A:B:KEY,... --memory-job LABEL

INDEX lines are ROLE TAB JOB TAB CHANNEL TAB FILE (JOB "-" for an answer
about every job). Each file is scanned as bytes, whatever its format; what
counts as a hit:

  canary  "CNRY7Q" in any case, in the bytes as they are, with JSON escapes
          undone (\\uXXXX, \\n, \\", ...) or with percent-encoding undone.
  row     three consecutive fields of one dataset row as three consecutive
          tokens. Tokens: the text (escapes undone as above) split at runs
          of whitespace and , ; | : = " ' ` \\ / ( ) [ ] { } < > & ? # ! *,
          without the tokens that are a column name of the dataset. So
          "a,b,c", ["a","b","c"], {"x":"a","y":"b","z":"c"} (x, y, z column
          names) and "a b c" all hold the row (a, b, c). dataset.py makes
          every three consecutive fields hold a value unique to its row.
  figure  (FIGURES "figures": per job, the run record's wall_ms, cpu_ms
          and peak_memory_kb, the kept logs' sizes and the sizes of the
          files it left in /output that were not released. Checked: the
          figures of 100 or more of --memory-job, whose figures carry data,
          and every job's sizes of 100 bytes or more.) A number token equal
          to a figure; for figures of 1000 or more also a number with a
          non-zero fraction that gives a time to 0.1 s, memory to 0.5 MiB
          (or MB) or a size to 0.1 KiB (or kB); for --memory-job also its
          memory to the MiB (its integer MiB or MB, floor, nearest or
          ceiling, unless a multiple of 10 or 16: what coarse rounding
          shows). ISO times, HTTP dates and versions and Content-Length
          lines are left out first.
  digest  the SHA-256 (hex) of a file the job left in /output that was not
          released (FIGURES "digests"), which would confirm a guess of it.
  pair    A and B ran the same code on two data rows; KEY names the values
          each derived (FACTS "A"/"B"; a signal N is also rendered 128+N).
          On one channel, where A's tokens differ from B's (a token diff of
          the two runs' answers, so what both show at the same place is left
          out), every value only A derived is a number on A's side and every
          value only B derived one on B's side: the channel tells the two
          runs apart by their data (both ways and every value, so that a
          coincidence, a rounded figure that differs, is not taken for a
          leak).

Output: TAP-like lines "ok NAME" / "not ok NAME" and "# ..." comments.
mode clean: one "not ok" per (channel, job) with a hit, one "ok" per job
without any. mode control: the checker's answers must hold what checkers
need (held file and held log canaries, rows, exact figures, pairs).
Exit status 1 when a line is "not ok"."""
import collections
import csv
import difflib
import json
import math
import re
import sys
import urllib.parse

SEP = re.compile(r"[\s,;|:=\"'`\\/()\[\]{}<>&?#!*]+")
CANARY = re.compile(rb"cnry7q[0-9a-z]*", re.I)
CANARY_S = re.compile(r"cnry7q[0-9a-z]*", re.I)
NUM = re.compile(r"^\d+(?:\.(\d+))?$")
TIMES = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?"
                   r"|[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"
                   r"|(?im:^content-length: *\d+\s*$)|HTTP/\d\.\d")
JSON_ESC = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.S)


def unescape(text):
    def one(m):
        c = m.group(1)
        if c[0] == "u" and len(c) == 5:
            return chr(int(c[1:], 16))
        return {"n": "\n", "r": "\r", "t": "\t", "b": " ", "f": " "}.get(c, c)
    return JSON_ESC.sub(one, text)


class Dataset:
    def __init__(self, path):
        with open(path, newline="") as f:
            rd = csv.reader(f)
            self.columns = next(rd)
            self.rows = list(rd)
        self.colset = set(self.columns)
        self.triples = set()
        for r in self.rows:
            for i in range(len(r) - 2):
                self.triples.add(tuple(r[i:i + 3]))

    def tokens(self, text):
        return [t for t in SEP.split(text) if t and t not in self.colset]


def renderings(raw):
    """The answer as text: as it is, JSON escapes undone, and then
    percent-encoding undone too."""
    text = raw.decode("utf-8", "replace")
    un = unescape(text)
    return text, un, urllib.parse.unquote(un)


def canaries(raw):
    """The distinct canaries in an answer (upper case, cut to 22)."""
    hits = set(m.group(0).decode("ascii", "replace")[:22].upper() for m in CANARY.finditer(raw))
    for r in renderings(raw)[1:]:
        hits.update(m.group(0)[:22].upper() for m in CANARY_S.finditer(r))
    return hits


def rows_in(ds, raw):
    """How many token triples of an answer are three consecutive fields of
    a dataset row (the most of its renderings)."""
    n = 0
    for r in renderings(raw)[1:]:
        t = ds.tokens(r)
        n = max(n, sum(1 for i in range(len(t) - 2) if (t[i], t[i + 1], t[i + 2]) in ds.triples))
    return n


def numbers(ds, raw):
    """The number tokens of an answer as (value, has a non-zero fraction)."""
    out = []
    for r in renderings(raw)[1:]:
        for t in ds.tokens(TIMES.sub(" ", r)):
            m = NUM.match(t)
            if m:
                out.append((float(t), bool(m.group(1)) and int(m.group(1)) != 0))
    return out


def figure_hits(nums, figs):
    """figs: (name, key, value, memory job) for each figure to look for."""
    hits = set()
    for name, key, f, memory_job in figs:
        for v, frac in nums:
            if not frac and v == f:
                hits.add("%s exact" % name)
            elif not frac or f < 1000:
                continue
            elif key in ("wall_ms", "cpu_ms") and abs(1000 * v - f) < 100:
                hits.add("%s to 0.1 s" % name)
            elif key == "peak_memory_kb" and (abs(1024 * v - f) < 512 or abs(1000 * v - f) < 500):
                hits.add("%s to 0.5 MiB" % name)
            elif key.endswith("_bytes") and (abs(1024 * v - f) < 103 or abs(1000 * v - f) < 100):
                hits.add("%s to 0.1 KiB" % name)
        if key == "peak_memory_kb" and memory_job:
            near = set()
            for unit in (1024, 1000):
                near.update((math.floor(f / unit), round(f / unit), math.ceil(f / unit)))
            near = {x for x in near if x % 10 and x % 16}
            if any(not frac and v in near for v, frac in nums):
                hits.add("%s to the MiB" % name)
    return hits


def figures_of(figs, job, memory_job, named=False):
    """The figures of a job that carry data (see the header)."""
    out = []
    for key, v in sorted(figs.get(job, {}).items()):
        if v >= 100 and (job == memory_job or key.endswith("_bytes")):
            out.append(("%s of %s" % (key, job) if named else key, key, v, job == memory_job))
    return out


def pair_secrets(facts, key):
    """The values only A derived and only B derived, each as the set of
    numbers that render it (a signal N also as the exit status 128+N)."""
    a, b = facts["A"][key], facts["B"][key]
    a = set(a) if isinstance(a, list) else {a}
    b = set(b) if isinstance(b, list) else {b}
    ren = (lambda x: {x, 128 + x}) if key == "signal" else (lambda x: {x})
    return [ren(x) for x in sorted(a - b)], [ren(x) for x in sorted(b - a)]


def pair_leaks(ds, answers_a, answers_b, sa, sb):
    """Channels whose answers tell A from B: the number tokens where A's
    answers on the channel differ from B's (a token diff, so that what both
    show at the same place, structure, is left out) hold a rendering of
    every value only A derived on A's side and of every value only B
    derived on B's side."""
    ta, tb = collections.defaultdict(list), collections.defaultdict(list)
    for chan, raw in answers_a:
        ta[chan] += [t for r in renderings(raw)[1:2] for t in ds.tokens(TIMES.sub(" ", r))]
    for chan, raw in answers_b:
        tb[chan] += [t for r in renderings(raw)[1:2] for t in ds.tokens(TIMES.sub(" ", r))]
    out = {}
    for chan in set(ta) & set(tb):
        da, db = set(), set()
        sm = difflib.SequenceMatcher(None, ta[chan], tb[chan], autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op != "equal":
                da.update(int(t) for t in ta[chan][i1:i2] if t.isdigit())
                db.update(int(t) for t in tb[chan][j1:j2] if t.isdigit())
        la = [sorted(x & da) for x in sa]
        lb = [sorted(x & db) for x in sb]
        if sa and sb and all(la) and all(lb):
            out[chan] = ([x[0] for x in la], [x[0] for x in lb])
    return out


def load_index(path):
    by_job = collections.defaultdict(list)
    for line in open(path):
        role, job, chan, f = line.rstrip("\n").split("\t")
        try:
            raw = open(f, "rb").read()
        except OSError as e:
            raw = str(e).encode()
        by_job[job].append((chan, raw))
    return by_job


def scan_job(ds, answers, fig, digests):
    """{channel: [what]} for one job's answers."""
    hits = collections.defaultdict(list)
    for chan, raw in answers:
        low = raw.lower()
        if any(d.encode() in low for d in digests):
            hits[chan].append("digest of an unreleased output")
        c = canaries(raw)
        if c:
            hits[chan].append("canary x%d (%s...)" % (len(c), sorted(c)[0][:10]))
        n = rows_in(ds, raw)
        if n:
            hits[chan].append("row x%d" % n)
        if fig:
            for h in sorted(figure_hits(numbers(ds, raw), fig)):
                hits[chan].append("figure " + h)
    return {c: sorted(set(w)) for c, w in hits.items()}


def cmd_scan(argv):
    ds = Dataset(argv[0])
    facts = json.load(open(argv[1]))
    ground = json.load(open(argv[2]))
    figs, digests = ground["figures"], ground["digests"]
    by_job = load_index(argv[3])
    opts = dict(zip(argv[4::2], argv[5::2]))
    mode, memory_job = opts["--mode"], opts.get("--memory-job", "")
    pairs = [p.split(":") for p in opts.get("--pairs", "").split()]
    results = {}
    for job, answers in sorted(by_job.items()):
        if job == "-":
            fig = [f for j in sorted(figs) for f in figures_of(figs, j, memory_job, True)]
            dig = [d for j in sorted(digests) for d in digests[j]]
        else:
            fig = figures_of(figs, job, memory_job)
            dig = digests.get(job, [])
        results[job] = scan_job(ds, answers, fig, dig)
    for a, b, key in pairs:
        sa, sb = pair_secrets(facts, key)
        leaks = pair_leaks(ds, by_job.get(a, []), by_job.get(b, []), sa, sb)
        results["%s/%s" % (a, b)] = {c: ["pair %s %s vs %s" % (key, la, lb)] for c, (la, lb) in leaks.items()}
    bad = 0
    role = "researcher" if mode == "clean" else "checker"
    if mode == "clean":
        for job in sorted(results):
            shown = "every job" if job == "-" else job
            n = sum(len(by_job.get(j, [])) for j in job.split("/"))
            if not results[job]:
                print("ok researcher: nothing about %s carries data (%d answers)" % (shown, n))
            for chan in sorted(results[job]):
                bad += 1
                print("not ok researcher: %s (%s): %s" % (chan, shown, ", ".join(results[job][chan])))
    else:
        want = [("py-held-text", "canary"), ("sh-dump", "canary"), ("sh-dump", "row"),
                ("py-timing", "figure")] + [("%s/%s" % (a, b), "pair") for a, b, _ in pairs]
        for job, kind in want:
            where = sorted(c for c, w in results.get(job, {}).items() if any(x.startswith(kind) for x in w))
            if where:
                print("ok checker control: %s found in the checker's answers about %s (%s)" % (kind, job, where[0]))
            else:
                bad += 1
                print("not ok checker control: %s found in the checker's answers about %s" % (kind, job))
    print("# %s: %d answers scanned" % (role, sum(len(v) for v in by_job.values())))
    print("# scan done")
    return 1 if bad else 0


def cmd_selftest(argv):
    ds = Dataset(argv[0])
    r = ds.rows[3]
    fails = []

    def expect(name, cond):
        if not cond:
            fails.append(name)

    cid = r[0]
    expect("canary as is", canaries(b"x " + cid.encode() + b" y"))
    expect("canary lower case", canaries(cid.lower().encode()))
    expect("canary percent-encoded", canaries(urllib.parse.quote(cid, safe="").replace("7", "%37").encode()))
    expect("canary JSON-escaped", canaries(("\\u00%02x" % ord(cid[0]) + cid[1:]).encode()))
    expect("no canary in clean text", not canaries(b"CNRY7 Q cnry-7q"))
    mid = r[1:4]
    expect("row as CSV", rows_in(ds, (",".join(mid) + "\n").encode()) == 1)
    expect("row as a JSON list", rows_in(ds, json.dumps(mid).encode()) == 1)
    expect("row as a JSON object keyed by column",
           rows_in(ds, json.dumps(dict(zip(ds.columns[1:4], mid))).encode()) == 1)
    expect("row inside a JSON string", rows_in(ds, json.dumps({"x": "a\n" + " | ".join(mid) + "\n"}).encode()) == 1)
    expect("row in a file name", rows_in(ds, ("./7 " + " ".join(r[2:5])).encode()) == 1)
    expect("no row across two rows", not rows_in(ds, ",".join(ds.rows[0][5:7] + ds.rows[1][0:1]).encode()))
    expect("no row in an aggregate", not rows_in(ds, ("age_band,sex,n\n%s,%s,33\n" % (r[1], r[2])).encode()))
    figs = {"j": {"wall_ms": 1523, "cpu_ms": 1311, "peak_memory_kb": 169001, "stdout_bytes": 4961}}
    fig, mem = figures_of(figs, "j", ""), figures_of(figs, "j", "j")
    num = lambda s: numbers(ds, s.encode())
    expect("only log sizes outside the memory job", [f[1] for f in fig] == ["stdout_bytes"])
    expect("exact figure", figure_hits(num('{"wall_ms": 1523}'), mem))
    expect("time to 0.1 s", figure_hits(num("wall 1.5 s"), mem))
    expect("memory in MiB with a fraction", figure_hits(num("165.0 MiB 165.04"), mem))
    expect("memory to the MiB (memory job)", figure_hits(num("peak 165 MiB"), mem))
    expect("log size exact", figure_hits(num('"size": 4961'), fig))
    expect("log size in KiB", figure_hits(num("stdout 4.8 KiB"), fig))
    clean = ('HTTP/1.5 200 OK\r\nContent-Length: 1523\r\nDate: Sun, 29 Nov 2026 10:15:23 GMT\r\n\r\n'
             '{"wall": "1 s", "memory": "160 MiB", "at": "2026-11-29T10:15:23Z", "n": 1000, "m": 192}')
    expect("coarse figures are not figure hits", not figure_hits(num(clean), mem))
    sa, sb = [{31}], [{38}]
    la = pair_leaks(ds, [("c", b"exited with status 31")], [("c", b"exited with status 38")], sa, sb)
    expect("pair told apart", la)
    expect("pair not told apart", not pair_leaks(ds, [("c", b"status 31 38")], [("c", b"status 38 31")], sa, sb))
    expect("pair needs both directions",
           not pair_leaks(ds, [("c", b"status 31")], [("c", b"status 5")], sa, sb))
    sa, sb = [{5}, {9}], [{3}, {4}]
    expect("pair needs every value", not pair_leaks(ds, [("c", b"count 5")], [("c", b"count 3, 4")], sa, sb))
    expect("pair of several values", pair_leaks(ds, [("c", b"count 5, 9")], [("c", b"count 3, 4")], sa, sb))
    expect("pair told apart where the answers differ",
           pair_leaks(ds, [("c", b"row 3 count 9 row 4 count 5")], [("c", b"row 3 count 4 row 4 count 3")],
                      sa, sb))
    expect("pair ignores what both show at the same place",
           not pair_leaks(ds, [("c", b"3 cells: count 5 9")], [("c", b"3 cells: count 4 8")], sa, sb))
    sa, sb = [{14, 142}], [{10, 138}]
    expect("pair through another rendering", pair_leaks(ds, [("c", b"exit 142")], [("c", b"exit 138")], sa, sb))
    for f in fails:
        print("selftest FAILED: " + f)
    if not fails:
        print("selftest ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit({"selftest": cmd_selftest, "scan": cmd_scan}[sys.argv[1]](sys.argv[2:]))
