/* Unit tests for trexd's pure logic: HTTP routing (runner/api.c), the
 * sandbox status record and run verdicts (runner/job.c), and the job state
 * from output verdicts (runner/release.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "runner/api.h"
#include "runner/job.h"
#include "runner/runrec.h"
#include "runner/release.h"

static void test_routes(void **state)
{
	struct api_route r;
	api_route("GET", "/healthz", &r);
	assert_int_equal(r.kind, API_HEALTH);
	api_route("POST", "/healthz", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);
	api_route("POST", "/v1/jobs", &r);
	assert_int_equal(r.kind, API_SUBMIT);
	api_route("GET", "/v1/jobs", &r);
	assert_int_equal(r.kind, API_LIST);
	api_route("DELETE", "/v1/jobs", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);
	api_route("GET", "/v1/jobs/abc/logs", &r);
	assert_int_equal(r.kind, API_LOGS);
	assert_string_equal(r.id, "abc");
	api_route("GET", "/v1/jobs/abc/logs/stderr", &r);
	assert_int_equal(r.kind, API_LOG);
	assert_string_equal(r.name, "stderr");
	api_route("POST", "/v1/jobs/abc/logs", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);
	api_route("GET", "/v1/events", &r);
	assert_int_equal(r.kind, API_EVENTS);
	api_route("POST", "/v1/events", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);

	api_route("GET", "/v1/jobs/20261129T100000-0a1b2c3d4e5f", &r);
	assert_int_equal(r.kind, API_JOB);
	assert_string_equal(r.id, "20261129T100000-0a1b2c3d4e5f");
	api_route("DELETE", "/v1/jobs/abc", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);
	api_route("GET", "/v1/jobs/abc/outputs", &r);
	assert_int_equal(r.kind, API_OUTPUTS);
	assert_string_equal(r.id, "abc");
	api_route("GET", "/v1/jobs/abc/outputs/t.csv", &r);
	assert_int_equal(r.kind, API_OUTPUT_FILE);
	assert_string_equal(r.name, "t.csv");
	api_route("GET", "/v1/jobs/abc/outputs/tables%2Fage%20sex.csv", &r);
	assert_int_equal(r.kind, API_OUTPUT_FILE);
	assert_string_equal(r.name, "tables/age sex.csv");
	api_route("GET", "/v1/jobs/abc/outputs/dir/t.csv", &r);
	assert_int_equal(r.kind, API_OUTPUT_FILE);
	assert_string_equal(r.name, "dir/t.csv");
	api_route("GET", "/v1/jobs/abc/acro", &r);
	assert_int_equal(r.kind, API_ACRO);
	assert_string_equal(r.id, "abc");
	api_route("POST", "/v1/jobs/abc/acro", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);
	api_route("POST", "/v1/review/web", &r);
	assert_int_equal(r.kind, API_REVIEW_WEB);
	api_route("GET", "/v1/review/web", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);
	/* the review page is not on the API's listeners */
	api_route("GET", "/review", &r);
	assert_int_equal(r.kind, API_NOT_FOUND);
}

static void test_routes_not_found(void **state)
{
	static const char *const bad[] = {
		"/", "/v1", "/v1/job", "/v1/jobs/a.b", "/v1/jobs/a%2e", "/v1/jobs//outputs",
		"/v1/jobs/abc/logs/", "/v1/jobs/abc/logs/stdin", "/v1/jobs/abc/logs/..",
		"/v1/jobs/abc/outputs/..", "/v1/jobs/abc/outputs/%2e%2e",
		"/v1/jobs/abc/outputs/a%00b", "/v1/jobs/abc/outputs/a%2", "/v1/jobs/abc/outputs/%2fetc",
		"/v1/jobs/abc/outputs/a//b", "/v1/jobs/abc/acro/", "/v1/jobs/abc/acro/results.json",
		"/v1/jobs/0123456789012345678901234567890123456789",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct api_route r;
		api_route("GET", bad[i], &r);
		if (r.kind != API_NOT_FOUND)
			fail_msg("%s routed to %d", bad[i], r.kind);
	}
}

static void test_job_id(void **state)
{
	char a[STORE_ID_MAX], b[STORE_ID_MAX];
	assert_int_equal(api_new_job_id(a), 0);
	assert_int_equal(api_new_job_id(b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), 28);
	struct api_route r;
	char path[80];
	snprintf(path, sizeof(path), "/v1/jobs/%s", a);
	api_route("GET", path, &r);
	assert_int_equal(r.kind, API_JOB);
}

static void test_status_parse(void **state)
{
	const char *text = "result=exit\nexit_code=0\nwall_ms=12\ncpu_ms=3\npeak_memory_kb=900\n"
			   "host_uid=200001\ncollected=a.csv\ncollected=b/c.csv\n"
			   "refused=link: symlink\njunk\nexit_code=abc\nend=1\n";
	json_t *o = runrec_parse(text, strlen(text));
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "result")), "exit");
	assert_int_equal(json_integer_value(json_object_get(o, "exit_code")), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "wall_ms")), 12);
	assert_int_equal(json_integer_value(json_object_get(o, "host_uid")), 200001);
	assert_int_equal(json_array_size(json_object_get(o, "collected")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "refused"), 0)),
			    "link: symlink");
	assert_null(json_object_get(o, "end"));
	json_decref(o);
}

static const char *verdict(const char *status, char reason[256])
{
	json_t *o = runrec_parse(status, strlen(status));
	const char *s = runrec_verdict(o, 900, 600, 1024, 50, reason, 256);
	json_decref(o);
	return s;
}

/* Reasons are seen by researchers: a class and the job's own limits,
 * never the exit code or signal number (runrec.h). */
static void test_run_verdict(void **state)
{
	char reason[256];
	assert_null(verdict("result=exit\nexit_code=0\nend=1\n", reason));
	assert_string_equal(verdict("result=exit\nexit_code=3\nend=1\n", reason), "failed");
	assert_string_equal(reason, "the job exited with a non-zero status");
	assert_string_equal(verdict("result=exit\nexit_code=77\nend=1\n", reason), "failed");
	assert_string_equal(reason, "the job exited with a non-zero status");
	assert_string_equal(verdict("result=timeout\nexit_code=124\n", reason), "timed_out");
	assert_string_equal(reason, "the job exceeded its wall-clock limit of 900 s");
	assert_string_equal(verdict("result=cpu_limit\nexit_code=124\n", reason), "timed_out");
	assert_string_equal(verdict("result=signal\nsignal=9\nexit_code=137\n", reason), "failed");
	assert_string_equal(reason, "the job was killed by a signal");
	assert_string_equal(verdict("result=oom\nexit_code=137\n", reason), "failed");
	assert_string_equal(reason, "the job ran out of memory (limit 1024 MB)");
	assert_string_equal(verdict("result=setup_failed\nfailed_stage=userns\n"
				    "error=unshare: Operation not permitted\nexit_code=125\n",
				    reason),
			    "failed");
	assert_string_equal(reason, "sandbox setup failed: userns: unshare: Operation not permitted");
	assert_string_equal(verdict("result=setup_failed\nfailed_stage=Bad Stage\nexit_code=125\n",
				    reason), "failed");
	assert_string_equal(reason, "sandbox setup failed: unknown: no message");
	assert_string_equal(verdict("exit_code=125\n", reason), "failed");
	assert_string_equal(reason, "the sandbox ended without a status record");
}

static const char *class_of(const char *status)
{
	json_t *o = runrec_parse(status, strlen(status));
	static char out[32];
	snprintf(out, sizeof(out), "%s", runrec_class(o));
	json_decref(o);
	return out;
}

static void test_run_class(void **state)
{
	assert_string_equal(class_of("result=exit\nexit_code=0\n"), "succeeded");
	assert_string_equal(class_of("result=exit\nexit_code=200\n"), "failed");
	assert_string_equal(class_of("result=signal\nsignal=11\n"), "killed");
	assert_string_equal(class_of("result=timeout\n"), "timed_out");
	assert_string_equal(class_of("result=cpu_limit\n"), "timed_out");
	assert_string_equal(class_of("result=oom\n"), "out_of_memory");
	assert_string_equal(class_of("result=output_limit\n"), "output_limit");
	assert_string_equal(class_of("result=setup_failed\n"), "setup_failed");
	assert_string_equal(class_of("result=whatever\n"), "unknown");
	assert_string_equal(class_of(""), "unknown");
}

/* A checker that ends without a report: researchers get the place of a
 * located error about a declared output, never the checker's words;
 * checkers get its exact status and first line in the run record. */
static void test_check_failed(void **state)
{
	json_t *decl = json_loads("[{\"path\":\"t/a.csv\"},{\"path\":\"b.csv\"}]", 0, NULL);
	json_t *run = json_object();
	char reason[256];
	const char *e1 = "trex-check: a.csv:3:7: stray_quote: CNRY words of its own\nmore";
	runrec_check_failed(run, 2, e1, strlen(e1), decl, reason, sizeof(reason));
	assert_string_equal(reason, "output check failed: t/a.csv:3:7: stray_quote"
				    " (quote inside an unquoted field)");
	json_t *ck = json_object_get(run, "checker");
	assert_int_equal(json_integer_value(json_object_get(ck, "exit_code")), 2);
	assert_non_null(strstr(json_string_value(json_object_get(ck, "error")), "CNRY words"));
	/* anything else: the place is not known, nothing is repeated */
	const char *bad[] = {
		"trex-check: a.csv: duplicate header 'CNRY-SECRET'",
		"trex-check: c.csv:3:7: stray_quote: not declared",
		"trex-check: b.csv:3:x: stray_quote",
		"trex-check: b.csv:3:7: CNRY SECRET: text",
		"trex-check: b.csv:3:7: bad_quote: not a code of the vocabulary",
		"b.csv:3:7:",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		runrec_check_failed(run, 2, bad[i], strlen(bad[i]), decl, reason, sizeof(reason));
		assert_string_equal(reason, "output check failed (an output checker can see why)");
	}
	runrec_check_failed(run, 2, NULL, 0, decl, reason, sizeof(reason));
	assert_string_equal(reason, "output check failed (an output checker can see why)");
	json_decref(run);
	json_decref(decl);
}

static void test_release_state(void **state)
{
	char reason[256];
	assert_string_equal(release_state(3, 3, 0, reason, sizeof(reason)), "released");
	assert_string_equal(reason, "all 3 outputs released");
	assert_string_equal(release_state(3, 1, 1, reason, sizeof(reason)), "partially_released");
	assert_string_equal(reason, "1 of 3 outputs released, 1 held for review, 1 blocked");
	assert_string_equal(release_state(3, 0, 2, reason, sizeof(reason)), "held");
	assert_string_equal(release_state(3, 0, 0, reason, sizeof(reason)), "blocked");
	assert_string_equal(release_state(0, 0, 0, reason, sizeof(reason)), "released");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_routes_not_found),
		cmocka_unit_test(test_job_id),
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_run_verdict),
		cmocka_unit_test(test_run_class),
		cmocka_unit_test(test_check_failed),
		cmocka_unit_test(test_release_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
