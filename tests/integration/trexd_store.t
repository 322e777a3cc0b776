#!/bin/sh
# trexd's store schema: a version 1 database (as the first trexd wrote it)
# is migrated to the current version with its jobs kept; a database from a
# newer trexd is refused with a message; WAL mode stays on. The first
# start on a store from before version 5 adopts the audit log it finds.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs sqlite3
trexd_init trexd-store
mkdir -p "$T/data"

# the version 1 schema, verbatim, with one finished job
sqlite3 "$T/state/trexd.db" <<'SQL'
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
 project TEXT NOT NULL, dataset TEXT NOT NULL, runtime TEXT NOT NULL, manifest TEXT NOT NULL,
 state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', submitted_uid INTEGER NOT NULL,
 submitted_name TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, run TEXT, report TEXT);
CREATE INDEX jobs_state ON jobs (state, project, seq);
CREATE TABLE outputs (job TEXT NOT NULL REFERENCES jobs(id), name TEXT NOT NULL,
 kind TEXT NOT NULL, verdict TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '',
 released INTEGER NOT NULL DEFAULT 0, size INTEGER, sha256 TEXT, PRIMARY KEY (job, name));
INSERT INTO schema_version VALUES (1);
INSERT INTO jobs (id, project, dataset, runtime, manifest, state, submitted_uid, submitted_name, created_at, updated_at)
 VALUES ('20261129T000000-000000000001', 'OLD', 'd', 'shell', '{}', 'failed', 0, 'root', '2026-11-29T00:00:00Z', '2026-11-29T00:00:00Z');
SQL

check "trexd starts on a version 1 store" trexd_start --state-dir "$T/state" --socket "$SOCK" --dataset "d=$T/data" --id-columns d=
expect_eq "the store is migrated to version 6" 6 "$(sqlite3 "$T/state/trexd.db" 'SELECT max(version) FROM schema_version')"
expect_eq "the migration's index exists" 1 \
	"$(sqlite3 "$T/state/trexd.db" "SELECT count(*) FROM sqlite_master WHERE name = 'jobs_project'")"
expect_eq "version 3's indexes exist" 2 \
	"$(sqlite3 "$T/state/trexd.db" "SELECT count(*) FROM sqlite_master WHERE name IN ('jobs_state_seq', 'jobs_user')")"
expect_eq "version 4's log review table exists" 1 \
	"$(sqlite3 "$T/state/trexd.db" "SELECT count(*) FROM sqlite_master WHERE name = 'log_reviews'")"
expect_eq "version 5's job digest, job approval and audit head tables exist" 3 \
	"$(sqlite3 "$T/state/trexd.db" "SELECT count(*) FROM sqlite_master WHERE name IN ('job_digests', 'job_approvals', 'audit_head')")"
expect_eq "version 6's reproducibility record table exists" 1 \
	"$(sqlite3 "$T/state/trexd.db" "SELECT count(*) FROM sqlite_master WHERE name = 'job_repro'")"
check "the first start on a migrated store adopts the log it finds, audited" \
	grep -q '"event":"audit_head_adopted"' "$T/state/audit.log"
expect_eq "... and trexd.db records the log's head" \
	"$(python3 -c 'import hashlib,sys; l=open(sys.argv[1],"rb").read().split(b"\n")[:-1]; print("%d:%s" % (len(l), hashlib.sha256(l[-1]).hexdigest()))' "$T/state/audit.log")" \
	"$(sqlite3 "$T/state/trexd.db" 'SELECT seq || ":" || hash FROM audit_head')"
expect_eq "the old job is kept" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://trexd/v1/jobs/20261129T000000-000000000001)"
expect_eq "WAL mode" wal "$(sqlite3 "$T/state/trexd.db" 'PRAGMA journal_mode')"
trexd_stop

sqlite3 "$T/state/trexd.db" 'INSERT INTO schema_version VALUES (99)'
"$BIN/trexd" --state-dir "$T/state" --socket "$SOCK" --dataset "d=$T/data" --id-columns d= >"$TREXD_LOG" 2>&1
expect_eq "a store from a newer trexd is refused" 1 $?
check "... naming both versions" grep -q "has schema version 99, this trexd knows 6" "$TREXD_LOG"

done_testing
