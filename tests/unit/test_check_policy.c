/* Disclosure policy packs and output declarations: strict parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policies/check/manifest.h"
#include "policies/check/policy.h"
#include "tests/unit/tallocfail.h"

static void policy_error(const char *text, const char *msg)
{
	struct policy p;
	struct trex_err err = {0};
	assert_int_equal(policy_parse(text, strlen(text), "p.json", &p, &err), -EINVAL);
	if (!strstr(err.msg, msg))
		fail_msg("expected '%s' in '%s'", msg, err.msg);
}

static void test_policy_ok(void **state)
{
	static const char t[] = "{\"name\": \"x\", \"version\": \"2\", \"safe_threshold\": 5,"
				" \"safe_nk_k\": 0.8, \"zeros_are_disclosive\": false,"
				" \"method\": \"round\", \"rounding_base\": 10}";
	struct policy p;
	struct trex_err err = {0};
	assert_int_equal(policy_parse(t, strlen(t), "p.json", &p, &err), 0);
	assert_string_equal(p.name, "x");
	assert_int_equal(p.safe_threshold, 5);
	assert_true(p.safe_nk_k > 0.79 && p.safe_nk_k < 0.81);
	assert_false(p.zeros_are_disclosive);
	assert_int_equal(p.method, POLICY_ROUND);
	assert_int_equal(p.rounding_base, 10);
	/* unspecified keys keep ACRO's defaults */
	assert_int_equal(p.safe_dof_threshold, 10);
	assert_int_equal(p.safe_nk_n, 2);
}

static void test_policy_errors(void **state)
{
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"safe_treshold\": 5}",
		     "p.json: unknown key 'safe_treshold'");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"safe_threshold\": 5, \"safe_threshold\": 50}",
		     "duplicate");
	policy_error("{\"version\": \"1\"}", "needs 'name' and 'version'");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"safe_threshold\": 0}", "between");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"safe_threshold\": 5.5}", "integer");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"safe_nk_k\": 1.5}", "in (0, 1)");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"zeros_are_disclosive\": 1}", "true or false");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"method\": \"perturb\"}", "'method'");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"rounding\": \"up\"}", "'rounding'");
	policy_error("{\"profile\": \"default\", \"safe_threshold\": 3}",
		     "p.json: a policy that overrides its profile needs its own 'name' and 'version'");
	policy_error("{\"profile\": \"../etc/passwd\"}", "shipped pack");
	policy_error("[1]", "JSON object");
	policy_error("{\"name\": \"x\"", "p.json:1:");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"max_unknown_label_share\": 1.5}",
		     "'max_unknown_label_share' must be in [0, 1]");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"max_unknown_label_share\": \"0.5\"}",
		     "'max_unknown_label_share' must be in [0, 1]");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"record_level_min_rows\": 1}", "between");
	policy_error("{\"name\": \"x\", \"version\": \"1\", \"anchor\": \"sdcTable\"}",
		     "'anchor' must be \"acro\" or \"tau-argus\"");
}

/* The anchor of each shipped pack (policies/disclosure/README.md), its
 * default and its place in the report. */
static void test_anchor_per_pack(void **state)
{
	static const struct {
		const char *pack;
		enum policy_anchor anchor;
	} packs[] = {
		{"default", POLICY_ANCHOR_ACRO},    {"strict", POLICY_ANCHOR_ACRO},
		{"datashield", POLICY_ANCHOR_ACRO}, {"opensafely", POLICY_ANCHOR_ACRO},
		{"opensafely-midpoint6", POLICY_ANCHOR_ACRO}, {"casd", POLICY_ANCHOR_TAU_ARGUS},
	};
	static const char t[] = "{\"name\": \"x\", \"version\": \"2\", \"anchor\": \"tau-argus\"}";
	const char *root = getenv("TREX_ROOT");
	char dir[4096];
	struct policy p;
	struct trex_err err = {0};
	json_t *j;

	policy_defaults(&p);
	assert_int_equal(p.anchor, POLICY_ANCHOR_ACRO);
	assert_int_equal(policy_parse(t, strlen(t), "p.json", &p, &err), 0);
	assert_int_equal(p.anchor, POLICY_ANCHOR_TAU_ARGUS);
	j = policy_to_json(&p);
	assert_string_equal(json_string_value(json_object_get(j, "anchor")), "tau-argus");
	json_decref(j);
	snprintf(dir, sizeof(dir), "%s/policies/disclosure", root ? root : ".");
	setenv("TREX_POLICY_DIR", dir, 1);
	for (size_t i = 0; i < sizeof(packs) / sizeof(packs[0]); i++) {
		if (policy_load(packs[i].pack, &p, &err) != 0)
			fail_msg("%s: %s", packs[i].pack, err.msg);
		if (p.anchor != packs[i].anchor)
			fail_msg("%s: anchor %d", packs[i].pack, (int)p.anchor);
	}
}

/* The record-level label keys (issue #11 item 7c): defaults and per pack. */
static void test_record_level_keys(void **state)
{
	static const char t[] = "{\"name\": \"x\", \"version\": \"2\", \"max_unknown_label_share\": 0,"
				" \"record_level_min_rows\": 3}";
	const char *root = getenv("TREX_ROOT");
	char dir[4096];
	struct policy p;
	struct trex_err err = {0};

	policy_defaults(&p);
	assert_true(p.max_unknown_label_share == 0.5);
	assert_int_equal(p.record_level_min_rows, 10);
	assert_int_equal(policy_parse(t, strlen(t), "p.json", &p, &err), 0);
	assert_true(p.max_unknown_label_share == 0);
	assert_int_equal(p.record_level_min_rows, 3);
	snprintf(dir, sizeof(dir), "%s/policies/disclosure", root ? root : ".");
	setenv("TREX_POLICY_DIR", dir, 1);
	assert_int_equal(policy_load("strict", &p, &err), 0);
	assert_true(p.max_unknown_label_share == 0.25);
	assert_int_equal(p.record_level_min_rows, 5);
	assert_int_equal(policy_load("casd", &p, &err), 0);
	assert_true(p.max_unknown_label_share == 0.5);
	assert_int_equal(p.record_level_min_rows, 10);
	{
		json_t *j = policy_to_json(&p);
		assert_true(json_real_value(json_object_get(j, "max_unknown_label_share")) == 0.5);
		assert_int_equal(json_integer_value(json_object_get(j, "record_level_min_rows")), 10);
		json_decref(j);
	}
}

/* A folder of packs for the reader tests, removed by pack_dir_free. */
static char pack_dir[64];

static void pack_write(const char *name, const char *text)
{
	char path[128];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s.json", pack_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void pack_dir_free(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pack_dir);
	assert_int_equal(system(cmd), 0);
}

/* policy_read PACK of pack_dir; returns its result, err filled */
static int pack_read(const char *name, struct policy *p, json_t **resolved,
		     struct trex_err *err)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s.json", pack_dir, name);
	return policy_read(pack_dir, path, p, resolved, err);
}

/* reading pack NAME fails with PRE PACK_DIR/REST */
static void pack_error(const char *name, const char *pre, const char *rest)
{
	struct policy p;
	struct trex_err err = {0};
	char want[256];
	assert_int_not_equal(pack_read(name, &p, NULL, &err), 0);
	snprintf(want, sizeof(want), "%s%s/%s", pre, pack_dir, rest);
	assert_string_equal(err.msg, want);
}

/* "profile plus overrides": the base pack with the file's keys over it,
 * as one self-contained object that reads back to the same values */
static void test_policy_profile(void **state)
{
	struct policy p, back;
	struct trex_err err = {0};
	json_t *res = NULL, *a, *b;
	char *text;

	snprintf(pack_dir, sizeof(pack_dir), "/tmp/trex-unit-XXXXXX");
	assert_non_null(mkdtemp(pack_dir));
	pack_write("base", "{\"name\": \"base\", \"version\": \"7\", \"description\": \"d\","
			   " \"safe_threshold\": 10, \"safe_nk_k\": 0.8, \"method\": \"round\","
			   " \"rounding_base\": 6}");
	pack_write("mine", "{\"profile\": \"base\", \"name\": \"mine\", \"version\": \"1\","
			   " \"safe_threshold\": 5}");
	pack_write("alias", "{\"profile\": \"mine\"}");

	assert_int_equal(pack_read("mine", &p, &res, &err), 0);
	assert_string_equal(p.name, "mine");
	assert_string_equal(p.version, "1");
	assert_int_equal(p.safe_threshold, 5);       /* overridden */
	assert_true(p.safe_nk_k == 0.8);             /* from the base */
	assert_int_equal(p.method, POLICY_ROUND);
	assert_int_equal(p.rounding_base, 6);
	assert_int_equal(p.safe_dof_threshold, 10);  /* nobody's: the default */
	assert_null(json_object_get(res, "profile"));
	assert_null(json_object_get(res, "description")); /* the base's, not this pack's */
	/* the resolved object needs nothing else and reads back the same */
	text = json_dumps(res, 0);
	assert_non_null(text);
	assert_int_equal(policy_parse(text, strlen(text), "r.json", &back, &err), 0);
	a = policy_to_json(&p);
	b = policy_to_json(&back);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	free(text);
	json_decref(res);

	/* a profile alone is the pack it names, chains included */
	assert_int_equal(pack_read("alias", &p, &res, &err), 0);
	assert_string_equal(p.name, "mine");
	assert_int_equal(p.safe_threshold, 5);
	json_decref(res);
	assert_int_equal(pack_read("base", &p, NULL, &err), 0);
	assert_string_equal(json_string_value(json_object_get(res = policy_to_json(&p), "name")),
			    "base");
	json_decref(res);

	/* every error names the file at fault */
	pack_write("typo", "{\"profile\": \"base\", \"name\": \"t\", \"version\": \"1\","
			   " \"safe_treshold\": 5}");
	pack_error("typo", "", "typo.json: unknown key 'safe_treshold'");
	pack_write("bad", "{\"profile\": \"base\", \"name\": \"t\", \"version\": \"1\","
			  " \"safe_threshold\": 0}");
	pack_error("bad", "", "bad.json: 'safe_threshold' must be between 1 and 1000000");
	pack_write("unnamed", "{\"profile\": \"base\", \"safe_threshold\": 5}");
	pack_error("unnamed", "",
		   "unnamed.json: a policy that overrides its profile needs its own 'name' and "
		   "'version'");
	pack_write("broken", "{\"name\": \"x\", \"version\": \"1\", \"method\": \"perturb\"}");
	pack_write("onbroken", "{\"profile\": \"broken\"}");
	pack_error("onbroken", "", "broken.json: 'method' must be \"suppress\" or \"round\"");
	pack_write("nobase", "{\"profile\": \"nosuch\"}");
	pack_error("nobase", "open ", "nosuch.json: No such file or directory");
	pack_write("loop", "{\"profile\": \"loop\"}");
	pack_error("loop", "", "loop.json: profiles nest deeper than 4");
	pack_write("path", "{\"profile\": \"../base\"}");
	pack_error("path", "", "path.json: 'profile' must name a shipped pack");
	pack_dir_free();
}

static void test_shipped_packs(void **state)
{
	static const struct {
		const char *name;
		long threshold;
		enum policy_method method;
	} packs[] = {
		{"default", 10, POLICY_SUPPRESS}, {"casd", 11, POLICY_SUPPRESS},
		{"datashield", 3, POLICY_SUPPRESS}, {"strict", 20, POLICY_SUPPRESS},
		{"opensafely", 8, POLICY_ROUND}, {"opensafely-midpoint6", 8, POLICY_ROUND},
	};
	const char *root = getenv("TREX_ROOT");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/policies/disclosure", root ? root : ".");
	setenv("TREX_POLICY_DIR", dir, 1);
	for (size_t i = 0; i < sizeof(packs) / sizeof(packs[0]); i++) {
		struct policy p;
		struct trex_err err = {0};
		if (policy_load(packs[i].name, &p, &err) != 0)
			fail_msg("%s: %s", packs[i].name, err.msg);
		assert_string_equal(p.name, packs[i].name);
		assert_int_equal(p.safe_threshold, packs[i].threshold);
		assert_int_equal(p.method, packs[i].method);
	}
	{
		struct policy p;
		struct trex_err err = {0};
		assert_int_equal(policy_load("default", &p, &err), 0);
		assert_int_equal(p.safe_dof_threshold, 10);
		assert_int_equal(p.safe_nk_n, 2);
		assert_true(p.safe_nk_k == 0.9 && p.safe_pratio_p == 0.1);
		assert_int_equal(policy_load("opensafely", &p, &err), 0);
		assert_int_equal(p.redact_at_or_below, 7);
		assert_int_equal(p.rounding_base, 5);
		assert_false(p.rounding_midpoint);
		assert_int_equal(policy_load("opensafely-midpoint6", &p, &err), 0);
		assert_true(p.rounding_midpoint);
		assert_int_equal(p.rounding_base, 6);
		assert_int_not_equal(policy_load("nosuch", &p, &err), 0);
	}
}

static void manifest_error(const char *text, const char *msg)
{
	struct output_manifest m;
	struct trex_err err = {0};
	assert_int_equal(manifest_parse(text, strlen(text), "m.json", &m, &err), -EINVAL);
	if (!strstr(err.msg, msg))
		fail_msg("expected '%s' in '%s'", msg, err.msg);
}

static void test_manifest(void **state)
{
	static const char t[] =
		"{\"outputs\": [{\"path\": \"res/geo.csv\", \"kind\": \"frequency_table\","
		" \"dimensions\": [\"geo\", \"sex\"], \"count\": \"n\","
		" \"total_codes\": {\"geo\": [\"R1\", \"Total\"], \"sex\": [\"Total\"]},"
		" \"hierarchies\": {\"geo\": {\"R1\": [\"D1\", \"D2\"], \"Total\": [\"R1\"]}}},"
		" {\"path\": \"fig.png\", \"kind\": \"figure\"}]}";
	struct output_manifest m;
	struct trex_err err = {0};
	const struct output_decl *d;

	assert_int_equal(manifest_parse(t, strlen(t), "m.json", &m, &err), 0);
	assert_int_equal(m.n, 2);
	d = manifest_match(&m, "./res/geo.csv");
	assert_non_null(d);
	assert_int_equal(d->ndims, 2);
	assert_true(manifest_is_total(d, "geo", "R1"));
	assert_false(manifest_is_total(d, "geo", "D1"));
	assert_true(manifest_is_total(d, "sex", "Total"));
	assert_ptr_equal(manifest_match(&m, "/somewhere/fig.png"), &m.outputs[1]);
	assert_null(manifest_match(&m, "other.csv"));
	manifest_free(&m);

	manifest_error("{\"outputs\": [{\"path\": \"a\", \"kind\": \"figure\", \"size\": 1}]}",
		       "outputs[0]: unknown key 'size'");
	manifest_error("{\"outputs\": [], \"extra\": 1}", "unknown key 'extra'");
	manifest_error("{\"outputs\": [{\"path\": \"a\", \"kind\": \"chart\"}]}", "not a known kind");
	manifest_error("{\"outputs\": [{\"path\": \"a\", \"kind\": \"frequency_table\"}]}",
		       "needs 'dimensions' and 'count'");
	manifest_error("{\"outputs\": [{\"path\": \"a\", \"kind\": \"figure\"},"
		       " {\"path\": \"a\", \"kind\": \"figure\"}]}", "declared twice");
	manifest_error("{\"outputs\": [{\"path\": \"a\", \"kind\": \"frequency_table\","
		       " \"dimensions\": [\"x\"], \"count\": \"n\", \"total_codes\": {\"y\": [\"T\"]}}]}",
		       "'y', not a dimension");
	manifest_error("{\"outputs\": [{\"path\": \"a\", \"kind\": \"regression\"}]}", "needs 'dof'");
	manifest_error("{\"outputs\": [{\"path\": \"a\", \"kind\": \"frequency_table\","
		       " \"dimensions\": [\"g\"], \"count\": \"n\", \"total_codes\": {\"g\": [\"T\"]},"
		       " \"hierarchies\": {\"g\": {\"R1\": [\"D1\"], \"T\": [\"R1\"]}}}]}",
		       "'R1' is not in total_codes.g");
#define F "{\"outputs\": [{\"path\": \"a\", \"kind\": \"frequency_table\", \"dimensions\": [\"g\"]," \
	  " \"count\": \"n\", "
	manifest_error(F "\"labels\": {\"h\": [\"x\"]}}]}", "labels names 'h', not a dimension");
	manifest_error(F "\"labels\": {\"g\": []}}]}", "labels.g must be an array of 1 to 10000 labels");
	manifest_error(F "\"labels\": {\"g\": [1]}}]}", "labels.g must hold strings");
	manifest_error(F "\"labels\": [\"x\"]}]}", "labels must be an object");
	manifest_error(F "\"bins\": {\"g\": [0, 10, 5]}}]}", "bins.g must hold numbers in increasing order");
	manifest_error(F "\"bins\": {\"g\": [\"0\"]}}]}", "bins.g must hold numbers in increasing order");
	manifest_error(F "\"bins\": {\"h\": [0]}}]}", "bins names 'h', not a dimension");
	{
		static const char ok[] = F "\"labels\": {\"g\": [\"x\", \"y\"]}, \"bins\": {\"g\": [0, 1.5, 3]}}]}";
		assert_int_equal(manifest_parse(ok, strlen(ok), "m.json", &m, &err), 0);
		assert_int_equal(json_array_size(json_object_get(m.outputs[0].labels, "g")), 2);
		assert_int_equal(json_array_size(json_object_get(m.outputs[0].bins, "g")), 3);
		manifest_free(&m);
	}
#undef F
}

/* A pack over a shipped profile, read with each allocation failing in
 * turn (tallocfail.h): an error naming the file, or the same pack. */
struct alloc_policy {
	char *want; /* the whole run's pack, as the report shows it */
};

static int alloc_policy(void *arg)
{
	static const char text[] = "{\"profile\": \"opensafely\", \"name\": \"mine\", \"version\": \"2\","
				   " \"safe_threshold\": 12, \"rounding\": \"midpoint\"}";
	struct alloc_policy *a = arg;
	struct policy p;
	struct trex_err err = { 0 };
	int r = policy_parse(text, sizeof(text) - 1, "mine.json", &p, &err);
	if (r < 0) {
		assert_non_null(strstr(err.msg, "json"));
		return r;
	}
	json_t *j = policy_to_json(&p);
	char *got = j ? json_dumps(j, JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!got)
		return -ENOMEM;
	if (a->want)
		assert_string_equal(got, a->want);
	else
		a->want = strdup(got);
	free(got);
	return 0;
}

static void test_alloc_failures(void **state)
{
	struct alloc_policy a = { NULL };
	assert_true(talloc_each(alloc_policy, &a) >= 2);
	free(a.want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_ok),
		cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_policy_profile),
		cmocka_unit_test(test_shipped_packs),
		cmocka_unit_test(test_record_level_keys),
		cmocka_unit_test(test_anchor_per_pack),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
