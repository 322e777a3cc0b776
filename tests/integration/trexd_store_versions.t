#!/bin/sh
# Upgrading trexd: a store of every earlier schema version (1 as the first
# trexd wrote it, without the permit and review tables; 1 with them; 2; 3;
# 4; 5), built here by SQL from the schema history of runner/store.c and
# runner/store_access.c, with jobs in every kind of state, is migrated by
# the current trexd without losing a job: every job is there with its
# state, outputs, reviews and log reviews; the one that was running is
# recovered as after a crash, the queued one runs, the one waiting for
# approval keeps waiting; the log is adopted and verifies; a second start
# is a plain start. Needs root (the queued job runs in a real sandbox).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox sqlite3
trexd_init trexd-store-versions
mkdir -p "$T/data"
chmod 755 "$T/data"

# version 1 (77b0aa3, then 9f62c73 numbered it), verbatim
V1='CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
 project TEXT NOT NULL, dataset TEXT NOT NULL, runtime TEXT NOT NULL, manifest TEXT NOT NULL,
 state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '"''"', submitted_uid INTEGER NOT NULL,
 submitted_name TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, run TEXT, report TEXT);
CREATE INDEX jobs_state ON jobs (state, project, seq);
CREATE TABLE outputs (job TEXT NOT NULL REFERENCES jobs(id), name TEXT NOT NULL,
 kind TEXT NOT NULL, verdict TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '"''"',
 released INTEGER NOT NULL DEFAULT 0, size INTEGER, sha256 TEXT, PRIMARY KEY (job, name));
INSERT INTO schema_version VALUES (1);'
# permits, approvals by bundle hash, reviews (24829a9, store_access.c)
ACCESS='CREATE TABLE job_access (job TEXT PRIMARY KEY REFERENCES jobs(id), permit_id TEXT NOT NULL,
 policy TEXT NOT NULL, strict INTEGER NOT NULL, bundle_sha256 TEXT NOT NULL);
CREATE TABLE approvals (permit_id TEXT NOT NULL, bundle_sha256 TEXT NOT NULL, approver TEXT NOT NULL,
 at TEXT NOT NULL, PRIMARY KEY (permit_id, bundle_sha256));
CREATE TABLE reviews (seq INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL REFERENCES jobs(id),
 name TEXT NOT NULL, decision TEXT NOT NULL, reason TEXT NOT NULL, reviewer TEXT NOT NULL, at TEXT NOT NULL);'
M2='CREATE INDEX jobs_project ON jobs (project, seq); INSERT INTO schema_version VALUES (2);'
M3='CREATE INDEX jobs_state_seq ON jobs (state, seq); CREATE INDEX jobs_user ON jobs (submitted_name, seq);
INSERT INTO schema_version VALUES (3);'
M4='CREATE TABLE log_reviews (seq INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL REFERENCES jobs(id),
 name TEXT NOT NULL, decision TEXT NOT NULL, reason TEXT NOT NULL, reviewer TEXT NOT NULL, at TEXT NOT NULL,
 final INTEGER NOT NULL, size INTEGER, sha256 TEXT);
CREATE INDEX log_reviews_job ON log_reviews (job, name); INSERT INTO schema_version VALUES (4);'
M5='CREATE TABLE job_digests (job TEXT PRIMARY KEY REFERENCES jobs(id), job_sha256 TEXT NOT NULL,
 files TEXT NOT NULL);
CREATE TABLE job_approvals (permit_id TEXT NOT NULL, job_sha256 TEXT NOT NULL, approver TEXT NOT NULL,
 at TEXT NOT NULL, PRIMARY KEY (permit_id, job_sha256));
CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,
 stopped INTEGER NOT NULL);
INSERT OR IGNORE INTO audit_head VALUES (1, -1, '"''"', 1); INSERT INTO schema_version VALUES (5);'

MAN='{"command":["true"],"dataset":"d","limits":{"cpu_seconds":600,"memory_mb":1024,"output_mb":50,"pids":64,"wall_seconds":900},"outputs":[],"project":"P","runtime":"shell"}'
SHA=936949835373f46dce76b4e6ef9baccd384f07b1b942ca4a073d7425ceb40d4a
job() { # N STATE [REASON]: a job row
	printf "INSERT INTO jobs (id, project, dataset, runtime, manifest, state, reason, submitted_uid, submitted_name, created_at, updated_at) VALUES ('20261101T000000-00000000000%s', 'P', 'd', 'shell', '%s', '%s', '%s', 0, 'root', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z');\n" \
		"$1" "$MAN" "$2" "${3:-}"
}
J() { echo "20261101T000000-00000000000$1"; }
STATES="1:released 2:held 3:failed 4:blocked 5:running 6:queued 7:awaiting_approval 8:timed_out"

# fixture KIND: a state folder $T/KIND whose trexd.db is a store of KIND
fixture() {
	local k=$1 sql
	sql=$V1
	[ "$k" = 1-bare ] || sql="$sql
$ACCESS"
	case $k in 2 | 3 | 4 | 5) sql="$sql
$M2" ;; esac
	case $k in 3 | 4 | 5) sql="$sql
$M3" ;; esac
	case $k in 4 | 5) sql="$sql
$M4" ;; esac
	[ "$k" = 5 ] && sql="$sql
$M5"
	for s in $STATES; do
		n=${s%%:*} st=${s#*:}
		[ "$k" = 1-bare ] && [ "$st" = awaiting_approval ] && continue
		sql="$sql
$(job "$n" "$st" "was $st")"
		mkdir -p "$T/$k/jobs/$(J "$n")/code"
	done
	sql="$sql
INSERT INTO outputs VALUES ('$(J 1)', 't.csv', 'frequency_table', 'pass', '', 1, 61, '$SHA');
INSERT INTO outputs VALUES ('$(J 2)', 'fig.png', 'figure', 'review', 'held for review', 0, NULL, NULL);"
	[ "$k" = 1-bare ] || sql="$sql
INSERT INTO job_access VALUES ('$(J 7)', 'PERMIT-1', 'default', 1, '$SHA');
INSERT INTO approvals VALUES ('PERMIT-1', '$SHA', 'hdab', '2026-11-01T00:00:00Z');
INSERT INTO reviews (job, name, decision, reason, reviewer, at) VALUES ('$(J 2)', 'fig.png', 'release', 'ok', 'c1', '2026-11-01T00:00:00Z');"
	case $k in 4 | 5) sql="$sql
INSERT INTO log_reviews (job, name, decision, reason, reviewer, at, final) VALUES ('$(J 3)', 'stdout', 'reject', 'no', 'c1', '2026-11-01T00:00:00Z', 1);" ;; esac
	[ "$k" = 5 ] && sql="$sql
INSERT INTO job_digests VALUES ('$(J 1)', '$SHA', '{}');"
	mkdir -p "$T/$k"
	echo "$sql" | sqlite3 "$T/$k/trexd.db"
}
q() { sqlite3 -readonly "$T/$1/trexd.db" "$2"; }
state_of() { api_get "/v1/jobs/$(J "$1")" >/dev/null && api_field state; }

for k in 1-bare 1 2 3 4 5; do
	fixture "$k"
	n_jobs=$(q "$k" 'SELECT count(*) FROM jobs')
	from=$(q "$k" 'SELECT max(version) FROM schema_version')
	check "v$k: trexd starts on a version $from store" \
		trexd_start --state-dir "$T/$k" --socket "$SOCK" --dataset "d=$T/data" --id-columns d=
	expect_eq "v$k: migrated to version 6" 6 "$(q "$k" 'SELECT max(version) FROM schema_version')"
	expect_eq "v$k: one schema_version row per version" "1 2 3 4 5 6" \
		"$(q "$k" 'SELECT group_concat(version, " ") FROM (SELECT version FROM schema_version ORDER BY version)')"
	expect_eq "v$k: every job is still in trexd.db" "$n_jobs" "$(q "$k" 'SELECT count(*) FROM jobs')"
	api_get '/v1/jobs?limit=100' >/dev/null
	expect_eq "v$k: ... and listed by GET /v1/jobs" "$n_jobs" \
		"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["jobs"]))' "$TREXD_BODY")"
	api_get '/v1/jobs?project=P&limit=100' >/dev/null
	expect_eq "v$k: ... and by project" "$n_jobs" \
		"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["jobs"]))' "$TREXD_BODY")"
	for s in 1:released 2:held 3:failed 4:blocked 8:timed_out; do
		expect_eq "v$k: the ${s#*:} job keeps its state" "${s#*:}" "$(state_of "${s%%:*}")"
	done
	api_get "/v1/jobs/$(J 1)" >/dev/null
	expect_eq "v$k: the released output is kept" "t.csv pass True $SHA" \
		"$(api_field outputs.0.name) $(api_field outputs.0.verdict) $(api_field outputs.0.released) $(api_field outputs.0.sha256)"
	api_get "/v1/jobs/$(J 2)" >/dev/null
	expect_eq "v$k: the held output is kept" "fig.png review" "$(api_field outputs.0.name) $(api_field outputs.0.verdict)"
	expect_eq "v$k: the running job is recovered as after a crash" "failed trexd stopped while the job was running" \
		"$(state_of 5) $(api_field reason)"
	api_get "/v1/jobs/$(J 6)" >/dev/null
	check "v$k: the queued job runs" api_wait_job "$(J 6)"
	expect_eq "v$k: ... and is released" released "$(api_field state)"
	if [ "$k" != 1-bare ]; then
		expect_eq "v$k: the job waiting for approval keeps waiting" awaiting_approval "$(state_of 7)"
		expect_eq "v$k: its permit record is kept" "PERMIT-1 1" \
			"$(q "$k" "SELECT permit_id || ' ' || strict FROM job_access WHERE job = '$(J 7)'")"
		expect_eq "v$k: reviews are kept" 1 "$(q "$k" 'SELECT count(*) FROM reviews')"
	fi
	case $k in 4 | 5) expect_eq "v$k: log reviews are kept" "stdout reject 1" \
		"$(q "$k" "SELECT name || ' ' || decision || ' ' || final FROM log_reviews")" ;; esac
	[ "$k" = 5 ] && expect_eq "v$k: job digests are kept, no job has a reproducibility record" "$SHA 0" \
		"$(q "$k" "SELECT job_sha256 FROM job_digests") $(q "$k" "SELECT count(*) FROM job_repro")"
	check "v$k: the first start adopts the log, audited" grep -q '"event":"audit_head_adopted"' "$T/$k/audit.log"
	check "v$k: trexd stops" trexd_stop
	check "v$k: the log verifies complete" \
		"$BIN/trex" audit verify --trexd-key "$T/$k/trexd.pub" --complete "$T/$k/audit.log"
	check "v$k: trexd starts again on the migrated store" \
		trexd_start --state-dir "$T/$k" --socket "$SOCK" --dataset "d=$T/data" --id-columns d=
	expect_eq "v$k: ... without adopting again" 1 "$(grep -c '"event":"audit_head_adopted"' "$T/$k/audit.log")"
	expect_eq "v$k: ... with every job" "$n_jobs" "$(q "$k" 'SELECT count(*) FROM jobs')"
	check "v$k: trexd stops" trexd_stop
done
done_testing
