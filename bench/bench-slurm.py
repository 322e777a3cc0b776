"""make bench-slurm: the Slurm executor's latency and throughput beside
Slurm's own and beside the local executor, in one run on one machine
(bench/BENCHMARKS.md "Slurm executor"). Needs root: it starts a one-node
Slurm with scripts/slurm-local.sh (stopped at the end) and a trexd whose
dataset "big" runs on Slurm (poll_ms 100) and "d" locally.

  bare sbatch   sbatch --parsable of `true` as pool user trex-p0, then
                squeue every 10 ms until the job left the queue
  sbatch --wait the same with sbatch --wait (Slurm polls: >= 2 s)
  trex slurm    POST /v1/jobs (`true`, no outputs) to trexd's end state,
                GET /v1/jobs/ID every 10 ms
  trex local    the same on the local executor
  throughput    M jobs submitted at once, until all ended: jobs/s
"""
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_section import write_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
BIN = BUILD if BUILD.startswith("/") else os.path.join(ROOT, BUILD)
N = int(os.environ.get("N", "10"))
M = int(os.environ.get("M", "10"))
POOL = "trex-p0"


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("trexd")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.path)


def api(sock, method, path, body=None):
    c = UnixConn(sock)
    c.request(method, path, body=json.dumps(body) if body is not None else None)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def submit(sock, dataset):
    m = {"project": "B", "dataset": dataset, "runtime": "shell", "command": ["true"],
         "outputs": []}
    st, doc = api(sock, "POST", "/v1/jobs", {"manifest": m, "files": {}})
    assert st in (200, 201, 202), (st, doc)
    return doc["id"]


def ended(sock, jid):
    st, doc = api(sock, "GET", "/v1/jobs/" + jid)
    return doc["state"] not in ("queued", "running", "checking"), doc["state"]


def trex_one(sock, dataset):
    t0 = time.monotonic()
    jid = submit(sock, dataset)
    while True:
        done, state = ended(sock, jid)
        if done:
            assert state == "released", state
            return time.monotonic() - t0
        time.sleep(0.01)


def trex_many(sock, dataset):
    t0 = time.monotonic()
    ids = [submit(sock, dataset) for _ in range(M)]
    for jid in ids:
        while not ended(sock, jid)[0]:
            time.sleep(0.02)
    return M / (time.monotonic() - t0)


def as_pool(args, env):
    return subprocess.run(["setpriv", "--reuid", POOL, "--regid", POOL, "--init-groups"] + args,
                          env=env, capture_output=True, text=True, check=True).stdout


def in_queue(env, ids):
    out = subprocess.run(["squeue", "-h", "-j", ",".join(ids), "-o", "%i %T"], env=env,
                         capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines() if ln.split()[1:] and ln.split()[1] not in
            ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")]


def bare_one(env, script):
    t0 = time.monotonic()
    jid = as_pool(["sbatch", "--parsable", "-p", "trex", "--no-requeue", "--export=NONE", "--chdir=/tmp", "--output=/dev/null",
                   script], env).strip()
    while in_queue(env, [jid]):
        time.sleep(0.01)
    return time.monotonic() - t0


def bare_wait(env, script):
    t0 = time.monotonic()
    as_pool(["sbatch", "--wait", "-p", "trex", "--no-requeue", "--export=NONE", "--chdir=/tmp",
             "--output=/dev/null", script], env)
    return time.monotonic() - t0


def bare_many(env, script):
    t0 = time.monotonic()
    ids = [as_pool(["sbatch", "--parsable", "-p", "trex", "--no-requeue", "--export=NONE", "--chdir=/tmp", "--output=/dev/null",
                    script], env).strip() for _ in range(M)]
    while in_queue(env, ids):
        time.sleep(0.02)
    return M / (time.monotonic() - t0)


def ms(xs):
    return "%.0f ms (min %.0f, max %.0f)" % (statistics.median(xs) * 1000, min(xs) * 1000,
                                             max(xs) * 1000)


def main():
    if os.geteuid() != 0:
        sys.exit("bench-slurm: needs root (it starts Slurm)")
    out = subprocess.run(["sh", os.path.join(ROOT, "scripts/slurm-local.sh"), "start"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("bench-slurm: Slurm cannot start: " + out.stderr.strip().splitlines()[-1])
    conf = out.stdout.strip().splitlines()[-1]
    env = dict(os.environ, SLURM_CONF=conf)
    t = tempfile.mkdtemp(prefix="bench-slurm.")
    os.chmod(t, 0o755)
    for d in ("state", "data", "stage"):
        os.mkdir(os.path.join(t, d))
        os.chmod(os.path.join(t, d), 0o755)
    script = os.path.join(t, "true.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\ntrue\n")
    os.chmod(script, 0o644)
    sock = os.path.join(t, "s.sock")
    cfg = {"state_dir": os.path.join(t, "state"), "socket": sock, "require_permit": False,
           "concurrency": M,
           "datasets": {"d": {"path": os.path.join(t, "data"), "id_columns": []},
                        "big": {"path": os.path.join(t, "data"), "id_columns": []}},
           "slurm": {"stage_dir": os.path.join(t, "stage"), "conf": conf,
                     "pool_uids": "64100:4", "datasets": ["big"], "poll_ms": 100}}
    with open(os.path.join(t, "trexd.json"), "w") as f:
        json.dump(cfg, f)
    log = open(os.path.join(t, "trexd.log"), "w")
    trexd = subprocess.Popen([os.path.join(BIN, "trexd"), "--config",
                              os.path.join(t, "trexd.json")], stdout=log, stderr=log)
    try:
        for _ in range(300):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        trex_one(sock, "big")  # warm: the first job stages the first folders
        rows = {
            "bare sbatch, squeue every 10 ms": [bare_one(env, script) for _ in range(N)],
            "trex, Slurm executor (poll_ms 100)": [trex_one(sock, "big") for _ in range(N)],
            "trex, local executor": [trex_one(sock, "d") for _ in range(N)],
            "bare sbatch --wait": [bare_wait(env, script) for _ in range(min(N, 3))],
        }
        tput = {"bare sbatch": bare_many(env, script),
                "trex, Slurm executor": trex_many(sock, "big"),
                "trex, local executor": trex_many(sock, "d")}
    finally:
        trexd.terminate()
        trexd.wait()
        subprocess.run(["sh", os.path.join(ROOT, "scripts/slurm-local.sh"), "stop"])
        subprocess.run(["rm", "-rf", t])
    load = os.getloadavg()[0]
    lines = ["## Slurm executor (issue 19)", "",
             "`make bench-slurm` (bench/bench-slurm.py): a job running `true` with no",
             "outputs, from submission to its end state (trex: `released`, through",
             "trexd's check and release path), on a one-node Slurm 22.05 of",
             "scripts/slurm-local.sh (`batch_sched_delay=0`) on this machine (%d CPUs," % os.cpu_count(),
             "load average %.1f when it ended); medians of %d runs. Slurm starts batch" % (load, N),
             "jobs from a loop that ticks once a second, which dominates every figure.", "",
             "| path | submit to end |", "|---|---|"]
    for k, v in rows.items():
        lines.append("| %s | %s |" % (k, ms(v)))
    lines += ["", "Throughput, %d jobs submitted at once until all ended:" % M, "",
              "| path | jobs/s |", "|---|---|"]
    for k, v in tput.items():
        lines.append("| %s | %.2f |" % (k, v))
    bare = statistics.median(rows["bare sbatch, squeue every 10 ms"])
    tr = statistics.median(rows["trex, Slurm executor (poll_ms 100)"])
    lines += ["", "trex over bare sbatch: %+.0f%% latency (target: at most +10%%)." %
              ((tr / bare - 1) * 100)]
    section = "\n".join(lines) + "\n"
    print(section)
    write_section(os.path.join(ROOT, "bench/BENCHMARKS.md"), "Slurm executor (issue 19)", section)


if __name__ == "__main__":
    main()
