/* Unit tests for runner/jobdoc.c: the cached job document must follow
 * every write to the store (state, outputs, reviews), be served from the
 * cache while nothing was written, and never mix two jobs sharing a slot. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/access.h"
#include "runner/jobdoc.h"
#include "runner/store.h"
#include "tdir.h"


/* The document as JSON: the cache keeps it without its closing brace. */
static json_t *doc_level(struct jobdoc_cache *c, struct store *s, const char *id,
			 enum view_level level, const char **body)
{
	const struct jobdoc *d;
	const struct jobdoc_view *v;
	struct trex_err err = { 0 };
	assert_int_equal(jobdoc_get(c, s, id, &d, &err), 0);
	assert_string_equal(d->row.id, id);
	assert_int_equal(jobdoc_view(c, s, d, level, &v, &err), 0);
	char *text = malloc(v->len + 2);
	assert_non_null(text);
	memcpy(text, v->body, v->len);
	memcpy(text + v->len, "}", 2);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	free(text);
	if (body)
		*body = v->body;
	jobdoc_done(c, d);
	return j;
}

static json_t *doc_json(struct jobdoc_cache *c, struct store *s, const char *id,
			const char **body)
{
	return doc_level(c, s, id, VIEW_FULL, body);
}

static const char *field(json_t *j, const char *k)
{
	return json_string_value(json_object_get(j, k));
}

static void test_follows_writes(void **state)
{
	struct store *s;
	struct trex_err err = { 0 };
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	assert_int_equal(sacc_init(s, &err), 0);
	struct jobdoc_cache *c = jobdoc_cache_new();
	assert_non_null(c);
	tdir_put_job(s, "j1", "P1", 1000, "alice");
	const struct jobdoc *d;
	assert_int_equal(jobdoc_get(c, s, "nope", &d, &err), -ENOENT);

	const char *b1, *b2;
	json_t *j = doc_json(c, s, "j1", &b1);
	assert_string_equal(field(j, "state"), "queued");
	assert_string_equal(field(json_object_get(j, "manifest"), "project"), "P1");
	json_decref(j);
	j = doc_json(c, s, "j1", &b2);
	assert_ptr_equal(b1, b2); /* nothing written: served from the cache */
	json_decref(j);

	assert_int_equal(store_set_state(s, "j1", "running", NULL, "{\"uid\":7}", NULL, &err), 0);
	j = doc_json(c, s, "j1", NULL);
	assert_string_equal(field(j, "state"), "running");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "run"), "uid")), 7);
	json_decref(j);

	struct output_row outs[1] = { { .name = "a.csv", .kind = "frequency_table",
					.verdict = "pass", .summary = "ok", .released = 1,
					.size = 10, .sha256 = "ab" } };
	assert_int_equal(store_finish_job(s, "j1", outs, 1, "released", "", "{\"v\":1}", &err), 0);
	j = doc_json(c, s, "j1", NULL);
	assert_string_equal(field(j, "state"), "released");
	assert_int_equal(json_array_size(json_object_get(j, "outputs")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "reviews")), 0);
	json_decref(j);

	assert_int_equal(sacc_put_review(s, "j1", "a.csv", "release", "fine", "carol", &err), 0);
	j = doc_json(c, s, "j1", NULL);
	json_t *rev = json_array_get(json_object_get(j, "reviews"), 0);
	assert_string_equal(field(rev, "reviewer"), "carol");
	json_decref(j);

	jobdoc_cache_free(c);
	store_close(s);
}

/* Each level is built from the same row and cached apart: a researcher's
 * document never carries the report or the run's exact figures, a
 * checker's does, whichever was asked for first. */
static void test_levels_apart(void **state)
{
	struct store *s;
	struct trex_err err = { 0 };
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	assert_int_equal(sacc_init(s, &err), 0);
	struct jobdoc_cache *c = jobdoc_cache_new();
	tdir_put_job(s, "j1", "P1", 1000, "alice");
	assert_int_equal(store_set_state(s, "j1", "running", NULL,
					 "{\"result\":\"exit\",\"exit_code\":0,\"wall_ms\":1234,"
					 "\"collected\":[\"secret-name\"],\"refused\":[]}",
					 NULL, &err), 0);
	struct output_row outs[1] = { { .name = "a.csv", .kind = "frequency_table",
					.verdict = "suppressed", .summary = "2 cells: F-1985",
					.released = 1, .size = 10, .sha256 = "ab" } };
	assert_int_equal(store_finish_job(s, "j1", outs, 1, "released", "",
					  "{\"files\":[{\"file\":\"a.csv\",\"cells\":[{\"key\":"
					  "{\"d\":\"F-1985\"}}],\"decisions\":[{\"rule\":"
					  "\"threshold\",\"action\":\"primary\",\"cells\":2}]}]}",
					  &err), 0);
	const char *b1, *b2;
	json_t *r = doc_level(c, s, "j1", VIEW_RESEARCHER, &b1);
	json_t *f = doc_level(c, s, "j1", VIEW_FULL, &b2);
	assert_ptr_not_equal(b1, b2);
	assert_true(json_is_null(json_object_get(r, "report")));
	assert_true(json_is_object(json_object_get(f, "report")));
	json_t *run = json_object_get(r, "run");
	assert_string_equal(field(run, "result"), "succeeded");
	assert_int_equal(json_integer_value(json_object_get(run, "wall_s")), 2);
	assert_int_equal(json_integer_value(json_object_get(run, "undeclared_files")), 1);
	assert_null(json_object_get(run, "wall_ms"));
	assert_null(json_object_get(run, "collected"));
	json_t *o = json_array_get(json_object_get(r, "outputs"), 0);
	assert_string_equal(field(o, "summary"), "released with cells suppressed: threshold: 2 primary");
	char *text = json_dumps(r, JSON_COMPACT);
	assert_null(strstr(text, "F-1985"));
	assert_null(strstr(text, "secret-name"));
	free(text);
	text = json_dumps(f, JSON_COMPACT);
	assert_non_null(strstr(text, "F-1985"));
	free(text);
	json_decref(r);
	json_decref(f);
	/* served from the cache until the next write */
	r = doc_level(c, s, "j1", VIEW_RESEARCHER, &b2);
	assert_ptr_equal(b1, b2);
	json_decref(r);
	jobdoc_cache_free(c);
	store_close(s);
}

/* More jobs than slots: every answer names the job asked for. */
static void test_slots_never_mix(void **state)
{
	struct store *s;
	struct trex_err err = { 0 };
	assert_int_equal(store_open(tdir_db, &s, &err), 0);
	assert_int_equal(sacc_init(s, &err), 0);
	struct jobdoc_cache *c = jobdoc_cache_new();
	char id[32];
	for (int i = 0; i < 1200; i++) {
		snprintf(id, sizeof(id), "job-%d", i);
		tdir_put_job(s, id, "P1", 1000, "alice");
	}
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 1200; i++) {
			snprintf(id, sizeof(id), "job-%d", i);
			json_t *j = doc_json(c, s, id, NULL);
			assert_string_equal(field(j, "id"), id);
			json_decref(j);
		}
	}
	jobdoc_cache_free(c);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_follows_writes, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_levels_apart, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_slots_never_mix, tdir_setup, tdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
