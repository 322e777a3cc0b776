/* Unit tests for runner/store.c on a temporary database: round trip,
 * state changes, outputs, round-robin order, crash recovery, reopen, and
 * the job listing of GET /v1/jobs (runner/store_list.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/audit.h"
#include "runner/access.h"
#include "runner/store.h"
#include "tdir.h"
#include "tests/unit/tallocfail.h"
#include "runner/store_list.h"
#include "runner/view.h"


static void test_round_trip(void **state)
{
	struct store *s;
	struct trex_err err = { 0 };
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	tdir_put_job(s, "j1", "P1", 1000, "alice");
	struct job_row r;
	assert_int_equal(store_get_job(s, "j1", &r, &err), 0);
	assert_string_equal(r.state, "queued");
	assert_string_equal(r.project, "P1");
	assert_string_equal(r.submitted_name, "alice");
	assert_int_equal(r.submitted_uid, 1000);
	assert_null(r.run);
	store_job_free(&r);
	assert_int_equal(store_get_job(s, "nope", &r, &err), -ENOENT);
	assert_int_equal(store_set_state(s, "j1", "running", NULL, "{\"a\":1}", NULL, &err), 0);
	assert_int_equal(store_set_state(s, "nope", "running", NULL, NULL, NULL, &err), -ENOENT);
	struct output_row outs[2] = {
		{ .name = "a.csv", .kind = "frequency_table", .verdict = "pass", .summary = "ok",
		  .released = 1, .size = 10, .sha256 = "ab" },
		{ .name = "b.png", .kind = "figure", .verdict = "review", .size = -1 },
	};
	assert_int_equal(store_finish_job(s, "j1", outs, 2, "partially_released", "1 of 2",
					  "{\"verdict\":\"review\"}", &err), 0);
	json_t *list;
	assert_int_equal(store_list_outputs(s, "j1", 1, &list, &err), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "sha256")), "ab");
	json_decref(list);
	assert_int_equal(store_list_outputs(s, "j1", 0, &list, &err), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_true(json_is_null(json_object_get(json_array_get(list, 1), "size")));
	json_decref(list);
	store_close(s);
	/* durable: a new connection sees it all */
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	assert_int_equal(store_get_job(s, "j1", &r, &err), 0);
	assert_string_equal(r.state, "partially_released");
	assert_string_equal(r.reason, "1 of 2");
	assert_string_equal(r.run, "{\"a\":1}");
	assert_string_equal(r.report, "{\"verdict\":\"review\"}");
	store_job_free(&r);
	store_close(s);
}

static void test_round_robin_and_recover(void **state)
{
	struct store *s;
	struct trex_err err = { 0 };
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	tdir_put_job(s, "a1", "A", 1000, "alice");
	tdir_put_job(s, "a2", "A", 1000, "alice");
	tdir_put_job(s, "a3", "A", 1000, "alice");
	tdir_put_job(s, "b1", "B", 1000, "alice");
	tdir_put_job(s, "c1", "C", 1000, "alice");
	char id[STORE_ID_MAX], project[128], last[128] = "";
	const char *expect[] = { "a1", "b1", "c1", "a2", "a3" };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(store_next_queued(s, last, id, project, &err), 0);
		assert_string_equal(id, expect[i]);
		snprintf(last, sizeof(last), "%s", project);
		assert_int_equal(store_set_state(s, id, i < 2 ? "running" : "released", NULL,
						 NULL, NULL, &err), 0);
	}
	assert_int_equal(store_next_queued(s, last, id, project, &err), 0);
	assert_string_equal(id, "");
	assert_int_equal(store_recover(s, &err), 2);
	struct job_row r;
	assert_int_equal(store_get_job(s, "b1", &r, &err), 0);
	assert_string_equal(r.state, "failed");
	assert_string_equal(r.reason, "trexd stopped while the job was running");
	store_job_free(&r);
	store_close(s);
}

static json_t *item(const struct job_row *row)
{
	return view_summary(row, 512);
}

/* the ids of one page, space separated, and its next seq */
static void page(struct store *s, struct store_list_query *q, char *ids, size_t len,
		 int64_t *next)
{
	json_t *jobs = NULL;
	struct trex_err err = { 0 };
	assert_int_equal(store_list_jobs(s, q, item, &jobs, next, &err), 0);
	size_t i, o = 0;
	json_t *j;
	ids[0] = '\0';
	json_array_foreach(jobs, i, j)
		o += (size_t)snprintf(ids + o, len - o, "%s%s", o ? " " : "",
				      json_string_value(json_object_get(j, "id")));
	json_decref(jobs);
}

static void test_list(void **state)
{
	struct store *s;
	struct trex_err err = { 0 };
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	/* a1..a4 by uid 1000 in P1/P2 in turn, b1..b3 by uid 2000 in P2 */
	tdir_put_job(s, "a1", "P1", 1000, "alice");
	tdir_put_job(s, "b1", "P2", 2000, "bob");
	tdir_put_job(s, "a2", "P2", 1000, "alice");
	tdir_put_job(s, "b2", "P2", 2000, "bob");
	tdir_put_job(s, "a3", "P1", 1000, "alice");
	tdir_put_job(s, "b3", "P2", 2000, "bob");
	tdir_put_job(s, "a4", "P2", 1000, "alice");
	assert_int_equal(store_set_state(s, "b2", "held", NULL, NULL, NULL, &err), 0);
	assert_int_equal(store_set_state(s, "a3", "held", NULL, NULL, NULL, &err), 0);
	char ids[200];
	int64_t next;
	/* everyone's, newest first, in pages of 3: next is the last seq served */
	struct store_list_query q = { .limit = 3, .all = 1 };
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "a4 b3 a3");
	assert_int_equal(next, 5);
	q.before = next;
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "b2 a2 b1");
	assert_int_equal(next, 2);
	q.before = next;
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "a1");
	assert_int_equal(next, 0);
	/* a page of exactly what is left has no next */
	q = (struct store_list_query){ .limit = 7, .all = 1 };
	page(s, &q, ids, sizeof(ids), &next);
	assert_int_equal(next, 0);
	/* filters */
	q = (struct store_list_query){ .limit = 10, .all = 1, .state = "held" };
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "a3 b2");
	q = (struct store_list_query){ .limit = 10, .all = 1, .project = "P2", .user = "bob" };
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "b3 b2 b1");
	q = (struct store_list_query){ .limit = 10, .all = 1, .since = "2999-01-01T00:00:00Z" };
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "");
	/* visibility: uid 1000 alone sees its own; with project P2 bob's too */
	q = (struct store_list_query){ .limit = 10, .uid = 1000 };
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "a4 a3 a2 a1");
	char *p2[] = { "P2" };
	q = (struct store_list_query){ .limit = 10, .uid = 3000, .projects = p2, .n_projects = 1 };
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "a4 b3 b2 a2 b1");
	q = (struct store_list_query){ .limit = 2, .uid = 1000, .projects = p2, .n_projects = 1,
				       .user = "bob" };
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "b3 b2");
	q.before = next;
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "b1");
	assert_int_equal(next, 0);
	/* a project name that is SQL stays a value */
	char *evil[] = { "P1') OR 1=1 --" };
	q = (struct store_list_query){ .limit = 10, .uid = 3000, .projects = evil, .n_projects = 1 };
	page(s, &q, ids, sizeof(ids), &next);
	assert_string_equal(ids, "");
	store_close(s);
}

/* Store version 5 (runner/store_access.c): job digests, approvals of job
 * digests, the audit head (a new store's is the empty log; it only moves
 * forward unless forced) and the mark checkpoints record. */
static void test_digests_approvals_head(void **state)
{
	struct store *s;
	struct trex_err err = { 0 };
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	struct sacc_audit_head h;
	assert_int_equal(sacc_audit_head(s, &h, &err), 0);
	assert_int_equal(h.seq, 0);
	assert_string_equal(h.hash, AUDIT_GENESIS);
	assert_int_equal(h.stopped, 1);
	struct sacc_audit_head h5 = { .seq = 5, .hash = "h5", .stopped = 0 };
	struct sacc_audit_head h3 = { .seq = 3, .hash = "h3", .stopped = 1 };
	assert_int_equal(sacc_set_audit_head(s, &h5, 0, &err), 0);
	assert_int_equal(sacc_set_audit_head(s, &h3, 0, &err), 0); /* a late writer */
	assert_int_equal(sacc_audit_head(s, &h, &err), 0);
	assert_int_equal(h.seq, 5);
	assert_string_equal(h.hash, "h5");
	assert_int_equal(sacc_set_audit_head(s, &h3, 1, &err), 0); /* the operator's override */
	assert_int_equal(sacc_audit_head(s, &h, &err), 0);
	assert_int_equal(h.seq, 3);
	assert_int_equal(h.stopped, 1);

	int64_t jobs = -1, high = -1;
	assert_int_equal(sacc_store_mark(s, &jobs, &high, &err), 0);
	assert_int_equal(jobs, 0);
	assert_int_equal(high, 0);
	tdir_put_job(s, "j1", "P1", 1000, "alice");
	tdir_put_job(s, "j2", "P1", 1000, "alice");
	assert_int_equal(sacc_store_mark(s, &jobs, &high, &err), 0);
	assert_int_equal(jobs, 2);
	assert_int_equal(high, 2);

	char sha[65];
	json_t *files = NULL;
	assert_int_equal(sacc_get_digest(s, "j1", sha, &files, &err), -ENOENT);
	assert_int_equal(sacc_put_digest(s, "j1", "d1", "{\"a\":{\"sha256\":\"x\",\"size\":1}}",
					 &err), 0);
	assert_int_equal(sacc_get_digest(s, "j1", sha, &files, &err), 0);
	assert_string_equal(sha, "d1");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(files, "a"), "size")), 1);
	json_decref(files);
	assert_int_equal(sacc_approved(s, "P", "d1", &err), 0);
	assert_int_equal(sacc_put_approval(s, "P", "d1", "carol", &err), 0);
	assert_int_equal(sacc_approved(s, "P", "d1", &err), 1);
	assert_int_equal(sacc_approved(s, "Q", "d1", &err), 0); /* another permit */
	assert_int_equal(sacc_approved(s, "P", "d2", &err), 0); /* another job */
	/* a job's reproducibility record (version 6): none, put, replaced */
	json_t *rec = NULL;
	assert_int_equal(sacc_get_repro(s, "j1", &rec, &err), -ENOENT);
	assert_null(rec);
	assert_int_equal(sacc_put_repro(s, "j1", "{\"trex_version\":\"0\"}", &err), 0);
	assert_int_equal(sacc_put_repro(s, "j1", "{\"trex_version\":\"1\"}", &err), 0);
	assert_int_equal(sacc_get_repro(s, "j1", &rec, &err), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "trex_version")), "1");
	json_decref(rec);
	store_close(s);
	/* a store from before version 5 is not anchored until trexd adopts its log */
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	sqlite3_exec((sqlite3 *)store_db(s), "DELETE FROM schema_version WHERE version >= 5;"
			      "DROP TABLE audit_head;", NULL, NULL, NULL);
	store_close(s);
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	assert_int_equal(sacc_audit_head(s, &h, &err), 0);
	assert_int_equal(h.seq, -1);
	store_close(s);
}

/* A job's stored life (queued, running, then its outputs and final state
 * in one transaction, read back) with each allocation failing in turn
 * (tallocfail.h): an error, or the whole run's answer; and whatever step
 * failed, the job as stored is in one state of its life, never a final
 * state without its outputs or outputs without it. */
static int alloc_runs;

static int alloc_job_life(void *arg)
{
	struct store *s;
	struct trex_err err = { 0 };
	char id[STORE_ID_MAX];
	snprintf(id, sizeof(id), "j%d", ++alloc_runs);
	int r = store_open(tdir_db, &s, &err);
	if (r < 0)
		return r;
	struct job_row j = { .project = "P1", .dataset = "synth", .runtime = "python3",
			     .manifest = "{\"project\":\"P1\"}", .submitted_uid = 1000,
			     .submitted_name = "alice" };
	snprintf(j.id, sizeof(j.id), "%s", id);
	const struct output_row outs[2] = {
		{ .name = "a.csv", .kind = "frequency_table", .verdict = "pass", .summary = "ok",
		  .released = 1, .size = 10, .sha256 = "ab" },
		{ .name = "b.png", .kind = "figure", .verdict = "review", .size = -1 },
	};
	struct job_row got = { 0 };
	json_t *list = NULL;
	if ((r = store_put_job(s, &j, &err)) == 0 &&
	    (r = store_set_state(s, id, "running", NULL, "{\"a\":1}", NULL, &err)) == 0 &&
	    (r = store_finish_job(s, id, outs, 2, "partially_released", "1 of 2",
				  "{\"verdict\":\"review\"}", &err)) == 0 &&
	    (r = store_get_job(s, id, &got, &err)) == 0 &&
	    (r = store_list_outputs(s, id, 0, &list, &err)) == 0) {
		assert_string_equal(got.state, "partially_released");
		assert_string_equal(got.run, "{\"a\":1}");
		assert_int_equal(json_array_size(list), 2);
	}
	if (got.state)
		store_job_free(&got);
	json_decref(list);
	store_close(s);
	return r;
}

static void test_alloc_failures(void **state)
{
	assert_true(talloc_each(alloc_job_life, NULL) >= 5);
	/* every job the failing runs left behind is whole */
	struct store *s;
	struct trex_err err = { 0 };
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	for (int i = 1; i <= alloc_runs; i++) {
		char id[STORE_ID_MAX];
		struct job_row got;
		json_t *list;
		snprintf(id, sizeof(id), "j%d", i);
		if (store_get_job(s, id, &got, &err) == -ENOENT)
			continue;
		assert_int_equal(store_list_outputs(s, id, 0, &list, &err), 0);
		int final = strcmp(got.state, "partially_released") == 0;
		assert_true(final || !strcmp(got.state, "queued") || !strcmp(got.state, "running"));
		assert_int_equal(json_array_size(list), final ? 2 : 0);
		json_decref(list);
		store_job_free(&got);
	}
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_round_robin_and_recover, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_list, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_digests_approvals_head, tdir_setup,
						tdir_teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures, tdir_setup, tdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
