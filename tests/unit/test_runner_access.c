/* Unit tests for the access part of trexd: the routes of approval, review,
 * held files, release manifests and the audit (runner/api.c), the access
 * keys of trexd.json (runner/config_access.c) and who sees which job
 * (runner/roles.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "runner/access.h"
#include "runner/api.h"
#include "tests/unit/tconfig.h"

static void test_access_routes(void **state)
{
	struct api_route r;
	api_route("POST", "/v1/jobs/abc/approve", &r);
	assert_int_equal(r.kind, API_APPROVE);
	assert_string_equal(r.id, "abc");
	api_route("GET", "/v1/jobs/abc/approve", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);
	api_route("POST", "/v1/jobs/abc/review", &r);
	assert_int_equal(r.kind, API_REVIEW);
	api_route("GET", "/v1/jobs/abc/held/tables%2Ffig.png", &r);
	assert_int_equal(r.kind, API_HELD_FILE);
	assert_string_equal(r.name, "tables/fig.png");
	api_route("GET", "/v1/jobs/abc/held/..", &r);
	assert_int_equal(r.kind, API_NOT_FOUND);
	api_route("GET", "/v1/jobs/abc/release", &r);
	assert_int_equal(r.kind, API_RELEASE_MANIFEST);
	api_route("GET", "/v1/audit/job/abc-1", &r);
	assert_int_equal(r.kind, API_AUDIT_JOB);
	assert_string_equal(r.id, "abc-1");
	api_route("GET", "/v1/audit/project/P2026-041", &r);
	assert_int_equal(r.kind, API_AUDIT_PROJECT);
	assert_string_equal(r.name, "P2026-041");
	api_route("GET", "/v1/audit/project/.hidden", &r);
	assert_int_equal(r.kind, API_NOT_FOUND);
	api_route("GET", "/v1/audit/project/a%2Fb", &r);
	assert_int_equal(r.kind, API_NOT_FOUND);
	api_route("POST", "/v1/audit/job/abc", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);
	api_route("GET", "/v1/trexd-key", &r);
	assert_int_equal(r.kind, API_TREXD_KEY);
	api_route("GET", "/v1/datasets", &r);
	assert_int_equal(r.kind, API_DATASETS);
	api_route("POST", "/v1/datasets", &r);
	assert_int_equal(r.kind, API_BAD_METHOD);
	api_route("GET", "/v1/datasets/snds-synth_2.v1", &r);
	assert_int_equal(r.kind, API_DATASET);
	assert_string_equal(r.name, "snds-synth_2.v1");
	/* a dataset name is the configuration's: nothing else is looked up */
	api_route("GET", "/v1/datasets/..", &r);
	assert_int_equal(r.kind, API_NOT_FOUND);
	api_route("GET", "/v1/datasets/a%2Fb", &r);
	assert_int_equal(r.kind, API_NOT_FOUND);
	api_route("GET", "/v1/datasets/a/b", &r);
	assert_int_equal(r.kind, API_NOT_FOUND);
}

static void test_access_config(void **state)
{
	struct config c;
	char msg[256];
	assert_int_equal(tconfig_parse(&c, "t.json", "{\"state_dir\": \"/s\"}", 0, msg), 0);
	assert_int_equal(c.access.require_permit, 1);
	assert_int_equal(c.access.checkpoint_every, 100);
	assert_int_equal(c.access.n_users, 0);
	config_free(&c);

	const char *good = "{\"require_permit\": false, \"two_checkers\": true,\n"
			   " \"approver_keys\": [\"/k/a.pub\"], \"revoked_permits\": [\"P-1\", \"P-2\"],\n"
			   " \"audit_checkpoint_every\": 7,\n"
			   " \"users\": {\"alice\": {\"uid\": 1000, \"roles\": [\"researcher\"],"
			   " \"projects\": [\"P1\"]},\n"
			   "   \"ops\": {\"roles\": [\"operator\", \"auditor\"]}}}";
	assert_int_equal(tconfig_parse(&c, "t.json", good, 0, msg), 0);
	assert_int_equal(c.access.require_permit, 0);
	assert_int_equal(c.access.two_checkers, 1);
	assert_int_equal(c.access.checkpoint_every, 7);
	assert_int_equal(c.access.n_approver_keys, 1);
	assert_int_equal(c.access.n_revoked_permits, 2);
	assert_string_equal(c.access.revoked_permits[1], "P-2");
	assert_int_equal(c.access.approver_not_before[0], 0);
	assert_int_equal(c.access.approver_not_after[0], 0);
	assert_int_equal(c.access.n_users, 2);
	const struct user *u = config_user(&c, 1000, "whoever");
	assert_non_null(u);
	assert_string_equal(u->name, "alice");
	assert_int_equal(u->roles, ROLE_RESEARCHER);
	/* an entry without uid matches by name only */
	u = config_user(&c, 4242, "ops");
	assert_non_null(u);
	assert_int_equal(u->roles, ROLE_OPERATOR | ROLE_AUDITOR);
	assert_null(config_user(&c, 4242, "alice"));
	assert_null(config_user(&c, 1001, NULL));
	config_free(&c);

	/* a key with a trust window, beside one without */
	const char *windows = "{\"approver_keys\": [\"/k/old.pub\",\n"
			      " {\"path\": \"/k/new.pub\", \"not_before\": \"2026-12-01T00:00:00Z\",\n"
			      "  \"not_after\": \"2027-12-01T00:00:00Z\"}, {\"path\": \"/k/x.pub\"}]}";
	assert_int_equal(tconfig_parse(&c, "t.json", windows, 0, msg), 0);
	assert_int_equal(c.access.n_approver_keys, 3);
	assert_string_equal(c.access.approver_keys[1], "/k/new.pub");
	assert_string_equal(c.access.approver_keys[2], "/k/x.pub");
	assert_int_equal(c.access.approver_not_before[0], 0);
	assert_int_equal(c.access.approver_not_before[1], 1796083200);
	assert_int_equal(c.access.approver_not_after[1], 1827619200);
	assert_int_equal(c.access.approver_not_after[2], 0);
	config_free(&c);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "{\"require_permit\": 1}", "t.json:1: \"require_permit\" must be true or false" },
		{ "{\"approver_keys\": \"/k\"}",
		  "t.json:1: \"approver_keys\" must be an array of paths or {\"path\", \"not_before\", \"not_after\"} objects" },
		{ "{\"approver_keys\": [\"/k\", \"\"]}",
		  "t.json:1: approver_keys[1] must be a path (a non-empty string of at most 4095 bytes), or {\"path\": PATH, \"not_before\": TIME, \"not_after\": TIME}" },
		{ "{\"approver_keys\": [{\"not_after\": \"2027-01-01T00:00:00Z\"}]}",
		  "t.json:1: approver_keys[0] must be a path (a non-empty string of at most 4095 bytes), or {\"path\": PATH, \"not_before\": TIME, \"not_after\": TIME}" },
		{ "{\"approver_keys\": [{\"path\": \"/k\", \"not_after\": \"2027-01-01\"}]}",
		  "t.json:1: approver_keys[0].not_after must be a time YYYY-MM-DDTHH:MM:SSZ (UTC)" },
		{ "{\"approver_keys\": [{\"path\": \"/k\", \"not_before\": \"1970-01-01T00:00:00Z\"}]}",
		  "t.json:1: approver_keys[0].not_before must be a time YYYY-MM-DDTHH:MM:SSZ (UTC)" },
		{ "{\"approver_keys\": [{\"path\": \"/k\", \"expires\": 1}]}",
		  "t.json:1: unknown key \"expires\" in approver_keys[0] (the keys are path, not_before, not_after)" },
		{ "{\"approver_keys\": [{\"path\": \"/k\", \"not_before\": \"2027-01-01T00:00:00Z\",\n"
		  " \"not_after\": \"2027-01-01T00:00:00Z\"}]}",
		  "t.json:1: approver_keys[0]: not_after is not after not_before" },
		{ "{\"revoked_permits\": [\"\"]}",
		  "t.json:1: \"revoked_permits\"[0] must be a non-empty string of at most 256 bytes" },
		{ "{\"audit_checkpoint_every\": 0}",
		  "t.json:1: \"audit_checkpoint_every\" must be an integer from 1 to 1000000" },
		{ "{\n\"users\": {\"a\": {\"roles\": [\"root\"]}}}",
		  "t.json:2: users.a.roles[0]: must be one of researcher, approver, checker, operator, auditor" },
		{ "{\"users\": {\"a\": {\"uid\": -1}}}", "t.json:1: users.a.uid must be a uid" },
		{ "{\"users\": {\"a\": {\"group\": 1}}}", "t.json:1: unknown key \"group\" in users.a" },
		{ "{\"users\": {\"a b\": {}}}", "t.json:1: bad user name \"a b\"" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = tconfig_parse(&c, "t.json", bad[i].text, 0, msg);
		if (r == 0 || strcmp(msg, bad[i].msg) != 0)
			fail_msg("%s: got %d \"%s\"", bad[i].text, r, msg);
		config_free(&c);
	}
}

static void test_may_see(void **state)
{
	char *projects[] = { "P1" };
	struct user alice = { .name = "alice", .uid = 1000, .roles = ROLE_RESEARCHER,
			      .projects = projects, .n_projects = 1 };
	struct job_row own = { .project = "P9", .submitted_uid = 1000 };
	struct job_row proj = { .project = "P1", .submitted_uid = 2000 };
	struct job_row other = { .project = "P2", .submitted_uid = 2000 };
	struct caller c = { .uid = 1000, .name = "alice", .roles = ROLE_RESEARCHER, .user = &alice };
	assert_true(roles_may_see(NULL, &c, &own));
	assert_true(roles_may_see(NULL, &c, &proj));
	assert_false(roles_may_see(NULL, &c, &other));
	c.roles = ROLE_CHECKER;
	assert_true(roles_may_see(NULL, &c, &other));
	c.roles = ROLE_AUDITOR;
	assert_true(roles_may_see(NULL, &c, &other));
	c.roles = 0;
	assert_false(roles_may_see(NULL, &c, &own));
	char buf[80];
	assert_string_equal(roles_names(ROLE_APPROVER | ROLE_AUDITOR, buf, sizeof(buf)),
			    "approver,auditor");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_routes),
		cmocka_unit_test(test_access_config),
		cmocka_unit_test(test_may_see),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
