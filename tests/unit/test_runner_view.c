/* Unit tests for runner/view.c: who gets which view of a job, and that
 * the researcher's view is rebuilt from known words and integers only --
 * a report or run record full of canaries yields a document holding none. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "runner/view.h"

static const char *str(json_t *j, const char *k)
{
	return json_string_value(json_object_get(j, k));
}

static void test_levels(void **state)
{
	char *projects[] = { "P1" };
	struct user u = { .name = "x", .uid = 1001, .projects = projects, .n_projects = 1 };
	struct job_row own = { .project = "P1", .submitted_uid = 1001, .submitted_name = "x" };
	struct job_row colleague = { .project = "P1", .submitted_uid = 1002, .submitted_name = "y" };
	struct job_row other = { .project = "P9", .submitted_uid = 1002, .submitted_name = "y" };
	struct caller c = { .uid = 1001, .name = "x", .user = &u };

	c.roles = ROLE_RESEARCHER;
	assert_int_equal(view_level(&c, &own), VIEW_RESEARCHER);
	assert_int_equal(view_level(&c, &colleague), VIEW_RESEARCHER);
	/* a researcher who is also a checker: the researcher's view of the
	 * project's jobs (they may not review them either), the checker's of
	 * other projects' */
	c.roles = ROLE_RESEARCHER | ROLE_CHECKER;
	assert_int_equal(view_level(&c, &own), VIEW_RESEARCHER);
	assert_int_equal(view_level(&c, &colleague), VIEW_RESEARCHER);
	assert_int_equal(view_level(&c, &other), VIEW_FULL);
	c.roles = ROLE_RESEARCHER | ROLE_AUDITOR;
	assert_int_equal(view_level(&c, &own), VIEW_RESEARCHER);
	c.roles = ROLE_CHECKER;
	assert_int_equal(view_level(&c, &other), VIEW_FULL);
	c.roles = ROLE_AUDITOR;
	assert_int_equal(view_level(&c, &other), VIEW_FULL);
	c.roles = ROLE_OPERATOR;
	assert_int_equal(view_level(&c, &other), VIEW_OPERATOR);
	c.roles = ROLE_APPROVER;
	assert_int_equal(view_level(&c, &other), VIEW_OPERATOR);
	c.roles = ROLE_OPERATOR | ROLE_RESEARCHER;
	assert_int_equal(view_level(&c, &own), VIEW_RESEARCHER);
	/* uid 0 reads the state folder anyway */
	struct caller root = { .uid = 0, .name = "root", .roles = ~0u };
	assert_int_equal(view_level(&root, &own), VIEW_FULL);
	/* no users section: anyone else is a researcher of their own jobs */
	struct caller plain = { .uid = 1001, .name = "x", .roles = ROLE_RESEARCHER };
	assert_int_equal(view_level(&plain, &own), VIEW_RESEARCHER);
	/* the SACRO Viewer export (every released cell's check result): the
	 * full view only */
	assert_true(view_acro(VIEW_FULL));
	assert_false(view_acro(VIEW_OPERATOR));
	/* the review page (web.c): the full view only, so a checker who does
	 * research in the project opens none of its jobs' pages */
	assert_true(view_review_page(view_level(&(struct caller){ .uid = 1001, .name = "x",
					.user = &u, .roles = ROLE_CHECKER }, &other)));
	assert_false(view_review_page(view_level(&(struct caller){ .uid = 1001, .name = "x",
					.user = &u, .roles = ROLE_CHECKER | ROLE_RESEARCHER },
					&colleague)));
	assert_false(view_review_page(VIEW_OPERATOR));
	assert_false(view_review_page(VIEW_RESEARCHER));
	assert_false(view_acro(VIEW_RESEARCHER));
	c.roles = ROLE_RESEARCHER | ROLE_CHECKER | ROLE_AUDITOR;
	assert_false(view_acro(view_level(&c, &own)));
	assert_true(view_acro(view_level(&c, &other)));
}

static void test_rounding(void **state)
{
	assert_int_equal(view_round_seconds(0), 1);
	assert_int_equal(view_round_seconds(1000), 1);
	assert_int_equal(view_round_seconds(1001), 2);
	assert_int_equal(view_round_seconds(2500), 5);
	assert_int_equal(view_round_seconds(5001), 10);
	assert_int_equal(view_round_seconds(899999), 1000);
	assert_int_equal(view_round_seconds(14400000), 20000);
	assert_int_equal(view_round_mb(0), 1);
	assert_int_equal(view_round_mb(1024), 1);
	assert_int_equal(view_round_mb(1025), 2);
	assert_int_equal(view_round_mb(41000), 64);
	assert_int_equal(view_round_mb(1048576), 1024);
}

static void test_vocabulary(void **state)
{
	assert_string_equal(view_rule("threshold"), "threshold");
	assert_string_equal(view_rule("CNRY7Q-1985-F"), "other");
	assert_string_equal(view_rule(NULL), "other");
	assert_string_equal(view_action("primary"), "primary");
	assert_string_equal(view_action("count 2 < 10"), "other");
	assert_string_equal(view_verdict("suppressed"), "suppressed");
	assert_string_equal(view_verdict("pass CNRY"), "fail");
	assert_string_equal(view_verdict(NULL), "fail");
}

/* A hostile report: canaries in keys, reasons, summaries, rule and
 * action names, verdicts, and too many rules for a blocked output. */
static const char *const hostile_doc =
	"{\"id\":\"j1\",\"state\":\"partially_released\",\"reason\":\"1 of 2 outputs released\","
	"\"manifest\":{\"outputs\":[{\"path\":\"a.csv\"},{\"path\":\"t/b.csv\"},{\"path\":\"c.csv\"}]},"
	"\"run\":{\"result\":\"exit\",\"exit_code\":0,\"wall_ms\":4321,\"cpu_ms\":999,"
	"\"peak_memory_kb\":70000,\"host_uid\":200017,\"stdout_bytes\":77,"
	"\"collected\":[\"a.csv\",\"t/b.csv\",\"CNRY-name-1\",\"CNRY-name-2\"],"
	"\"refused\":[\"CNRY-link: symlink\"],\"checker\":{\"exit_code\":2,\"error\":\"CNRY-err\"}},"
	"\"outputs\":["
	"{\"name\":\"a.csv\",\"kind\":\"frequency_table\",\"verdict\":\"suppressed\","
	"\"summary\":\"CNRY-summary\",\"released\":true,\"size\":10,\"sha256\":\"ab\"},"
	"{\"name\":\"t/b.csv\",\"kind\":\"frequency_table\",\"verdict\":\"fail\","
	"\"summary\":\"CNRY-summary\",\"released\":false,\"size\":null,\"sha256\":null},"
	"{\"name\":\"c.csv\",\"kind\":\"text\",\"verdict\":\"missing\","
	"\"summary\":\"not produced\",\"released\":false,\"size\":null,\"sha256\":null}],"
	"\"report\":{\"files\":["
	"{\"file\":\"a.csv\",\"cells\":[{\"key\":{\"d\":\"CNRY-key\"},\"reason\":\"CNRY count 2\"}],"
	"\"decisions\":[{\"rule\":\"threshold\",\"action\":\"secondary\",\"cells\":1},"
	"{\"rule\":\"threshold\",\"action\":\"primary\",\"cells\":2},"
	"{\"rule\":\"CNRY-rule\",\"action\":\"CNRY-action\",\"cells\":3}]},"
	"{\"file\":\"b.csv\",\"reasons\":[\"CNRY-reason\"],"
	"\"decisions\":[{\"rule\":\"record_level\",\"action\":\"review\",\"cells\":0},"
	"{\"rule\":\"identifier\",\"action\":\"fail\",\"cells\":5},"
	"{\"rule\":\"undeclared_column\",\"action\":\"fail\",\"cells\":0},"
	"{\"rule\":\"differencing\",\"action\":\"review\",\"cells\":0},"
	"{\"rule\":\"identifier\",\"action\":\"review\",\"cells\":9}]}]}}";

static void test_researcher_view(void **state)
{
	json_t *doc = json_loads(hostile_doc, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(view_job(VIEW_RESEARCHER, doc), 0);
	char *text = json_dumps(doc, JSON_COMPACT);
	assert_null(strstr(text, "CNRY"));
	assert_null(strstr(text, "4321"));
	assert_null(strstr(text, "200017"));
	free(text);
	json_t *run = json_object_get(doc, "run");
	assert_string_equal(str(run, "result"), "succeeded");
	assert_int_equal(json_integer_value(json_object_get(run, "wall_s")), 5);
	assert_int_equal(json_integer_value(json_object_get(run, "cpu_s")), 1);
	assert_int_equal(json_integer_value(json_object_get(run, "peak_memory_mb")), 128);
	assert_int_equal(json_integer_value(json_object_get(run, "undeclared_files")), 2);
	assert_int_equal(json_integer_value(json_object_get(run, "refused_files")), 1);
	assert_null(json_object_get(run, "exit_code"));
	assert_true(json_is_null(json_object_get(doc, "report")));
	json_t *outs = json_object_get(doc, "outputs");
	assert_string_equal(str(json_array_get(outs, 0), "summary"),
			    "released with cells suppressed: other: 3 other; threshold: 2 primary;"
			    " threshold: 1 secondary");
	/* blocked: three rule names, sorted, no counts */
	json_t *b = json_array_get(outs, 1);
	assert_string_equal(str(b, "summary"), "blocked: differencing, identifier, record_level");
	assert_int_equal(json_array_size(json_object_get(b, "decisions")), 3);
	assert_null(json_object_get(json_array_get(json_object_get(b, "decisions"), 0), "cells"));
	assert_string_equal(str(json_array_get(outs, 2), "summary"), "not produced");
	json_decref(doc);
}

static void test_operator_and_full(void **state)
{
	json_t *doc = json_loads(hostile_doc, 0, NULL);
	assert_int_equal(view_job(VIEW_OPERATOR, doc), 0);
	json_t *run = json_object_get(doc, "run");
	assert_int_equal(json_integer_value(json_object_get(run, "wall_ms")), 4321);
	assert_int_equal(json_integer_value(json_object_get(run, "collected")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(run, "checker"),
							    "exit_code")), 2);
	char *text = json_dumps(doc, JSON_COMPACT);
	assert_null(strstr(text, "CNRY"));
	free(text);
	json_decref(doc);

	doc = json_loads(hostile_doc, 0, NULL);
	assert_int_equal(view_job(VIEW_FULL, doc), 0);
	text = json_dumps(doc, JSON_COMPACT);
	assert_non_null(strstr(text, "CNRY-key"));
	assert_non_null(strstr(text, "CNRY-name-1"));
	assert_non_null(strstr(text, "CNRY-err"));
	free(text);
	json_decref(doc);
}

/* Counts of ignored files are capped. */
static void test_counts_capped(void **state)
{
	json_t *doc = json_loads("{\"manifest\":{\"outputs\":[]},\"outputs\":[],\"report\":null,"
				 "\"run\":{\"result\":\"exit\",\"exit_code\":1,\"collected\":[],"
				 "\"refused\":[]}}", 0, NULL);
	json_t *c = json_object_get(json_object_get(doc, "run"), "collected");
	for (int i = 0; i < 500; i++)
		json_array_append_new(c, json_sprintf("f%d", i));
	assert_int_equal(view_job(VIEW_RESEARCHER, doc), 0);
	json_t *run = json_object_get(doc, "run");
	assert_int_equal(json_integer_value(json_object_get(run, "undeclared_files")), VIEW_COUNT_CAP);
	assert_string_equal(str(run, "result"), "failed");
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_vocabulary),
		cmocka_unit_test(test_researcher_view),
		cmocka_unit_test(test_operator_and_full),
		cmocka_unit_test(test_counts_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
