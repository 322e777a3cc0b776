/* Unit tests for runner/manifest.c: every validation error and its code,
 * and upload file names (runner/bundle.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/jobdigest.h"

#include "runner/bundle.h"
#include "tests/unit/tconfig.h"
#include "runner/manifest.h"

#define OUTNAME_MSG                                                                          \
	"manifest.outputs[0].path: must be a relative path of 1 to 16 names joined by \"/\", " \
	"none empty or starting with \".\" or \"-\", without \"\\\", control characters or "    \
	"invalid UTF-8"

static struct config cfg;

static int setup(void **state)
{
	char msg[256];
	assert_int_equal(tconfig_parse(&cfg, "t.json", "{\"datasets\": {\"synth\": {\"path\": \"/tmp\", \"id_columns\": []}}}", 0, msg), 0);
	return 0;
}

static int teardown(void **state)
{
	config_free(&cfg);
	return 0;
}

static const char *good =
	"{\"project\": \"P1\", \"dataset\": \"synth\", \"runtime\": \"python3\","
	" \"command\": [\"python3\", \"a.py\"],"
	" \"outputs\": [{\"path\": \"t.csv\", \"kind\": \"frequency_table\","
	" \"dimensions\": [\"age\"], \"count\": \"n\"}]}";

/* Validate `good` with key `k` replaced by JSON value `v` (NULL deletes it);
 * returns the error message and code. */
static int check(const char *k, const char *v, const char **code, char msg[256])
{
	json_t *m = json_loads(good, 0, NULL);
	assert_non_null(m);
	if (k && v) {
		json_t *jv = json_loads(v, JSON_DECODE_ANY, NULL);
		assert_non_null(jv);
		json_object_set_new(m, k, jv);
	} else if (k) {
		json_object_del(m, k);
	}
	struct manifest man;
	struct trex_err err = { 0 };
	int r = manifest_validate(m, &cfg, &man, code, &err);
	if (r == 0)
		manifest_release(&man);
	json_decref(m);
	snprintf(msg, 256, "%s", err.msg);
	return r;
}

#define EXPECT(k, v, c, text)                                      \
	do {                                                       \
		const char *code;                                  \
		char msg[256];                                     \
		assert_int_not_equal(check(k, v, &code, msg), 0);  \
		assert_string_equal(code, c);                      \
		assert_string_equal(msg, text);                    \
	} while (0)

static void test_good(void **state)
{
	const char *code;
	char msg[256];
	assert_int_equal(check(NULL, NULL, &code, msg), 0);
	assert_null(code);
	assert_int_equal(check("limits", "{\"memory_mb\": 8192}", &code, msg), 0);
	assert_int_equal(check("permit", "\"permit.json\"", &code, msg), 0);
}

static void test_effective_limits(void **state)
{
	json_t *m = json_loads(good, 0, NULL);
	json_object_set_new(m, "limits", json_pack("{s:i}", "pids", 7));
	struct manifest man;
	const char *code;
	struct trex_err err = { 0 };
	assert_int_equal(manifest_validate(m, &cfg, &man, &code, &err), 0);
	assert_int_equal(man.limits.pids, 7);
	assert_int_equal(man.limits.memory_mb, cfg.limits_default.memory_mb);
	assert_string_equal(man.project, "P1");
	assert_int_equal(man.n_outputs, 1);
	manifest_release(&man);
	json_decref(m);
}

/* What is stored, run and approved (common/jobdigest.h): an omitted limit
 * and the default written out are one job, whose digest moves with any
 * field and any file. */
static void test_explicit_and_digest(void **state)
{
	const char *code;
	struct trex_err err = { 0 };
	char sha[3][65];
	json_t *files = json_pack("{s:o}", "a.py", jobdigest_file("print(1)\n", 9));
	assert_non_null(files);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(files, "a.py"), "size")),
			 9);
	for (int i = 0; i < 2; i++) {
		json_t *m = json_loads(good, 0, NULL);
		if (i == 1) /* the defaults written out */
			json_object_set_new(m, "limits",
					    json_pack("{s:I,s:I,s:I,s:I,s:I}", "memory_mb",
						      (json_int_t)cfg.limits_default.memory_mb,
						      "cpu_seconds", (json_int_t)cfg.limits_default.cpu_seconds,
						      "wall_seconds", (json_int_t)cfg.limits_default.wall_seconds,
						      "pids", (json_int_t)cfg.limits_default.pids,
						      "output_mb", (json_int_t)cfg.limits_default.output_mb));
		struct manifest man;
		assert_int_equal(manifest_validate(m, &cfg, &man, &code, &err), 0);
		assert_int_equal(manifest_make_explicit(&man, "PERMIT-1"), 0);
		json_t *l = json_object_get(man.json, "limits");
		assert_int_equal(json_object_size(l), 5);
		assert_int_equal(json_integer_value(json_object_get(l, "pids")),
				 cfg.limits_default.pids);
		assert_string_equal(json_string_value(json_object_get(man.json, "permit")), "PERMIT-1");
		json_t *canon = jobdigest_canonical(man.json, files, "default");
		assert_int_equal(jobdigest_sha256(canon, sha[i], &err), 0);
		json_decref(canon);
		/* without a permit: policy null, another job */
		canon = jobdigest_canonical(man.json, files, NULL);
		assert_true(json_is_null(json_object_get(canon, "policy")));
		assert_int_equal(jobdigest_sha256(canon, sha[2], &err), 0);
		assert_string_not_equal(sha[2], sha[i]);
		json_decref(canon);
		manifest_release(&man);
		json_decref(m);
	}
	assert_string_equal(sha[0], sha[1]);
	json_decref(files);
}

/* The canonical form is a contract (docs/api.md): pinned byte for byte. */
static void test_canonical_form(void **state)
{
	json_t *m = json_pack("{s:s,s:[s]}", "project", "P\u00e9", "command", "sh");
	json_t *files = json_pack("{s:{s:s,s:i},s:{s:s,s:i}}", "b", "sha256", "bb", "size", 2, "a",
				  "sha256", "aa", "size", 1);
	json_t *c = jobdigest_canonical(m, files, "default");
	char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	assert_string_equal(text, "{\"files\":{\"a\":{\"sha256\":\"aa\",\"size\":1},"
				  "\"b\":{\"sha256\":\"bb\",\"size\":2}},"
				  "\"manifest\":{\"command\":[\"sh\"],\"project\":\"P\\u00E9\"},"
				  "\"policy\":\"default\"}");
	char want[65], got[65];
	struct trex_err err = { 0 };
	assert_int_equal(trex_sha256_hex(text, strlen(text), want), 0);
	assert_int_equal(jobdigest_sha256(c, got, &err), 0);
	assert_string_equal(got, want);
	/* copies: a later change to the manifest does not reach it */
	json_object_set_new(m, "project", json_string("Q"));
	assert_int_equal(jobdigest_sha256(c, got, &err), 0);
	assert_string_equal(got, want);
	free(text);
	json_decref(c);
	assert_null(jobdigest_canonical(m, NULL, "default"));
	json_decref(m);
	json_decref(files);
}

static void test_errors(void **state)
{
	EXPECT("foo", "1", "bad_manifest", "manifest: unknown key \"foo\"; valid keys: project, permit, dataset, runtime, command, limits, outputs");
	EXPECT("project", NULL, "bad_manifest", "manifest: missing \"project\"");
	EXPECT("command", NULL, "bad_manifest", "manifest: missing \"command\"");
	EXPECT("outputs", NULL, "bad_manifest", "manifest: missing \"outputs\"");
	EXPECT("project", "\"../x\"", "bad_manifest",
	       "manifest.project: must be 1 to 64 letters, digits, '.', '_' or '-', "
	       "not starting with '.' or '-'");
	EXPECT("project", "7", "bad_manifest",
	       "manifest.project: must be 1 to 64 letters, digits, '.', '_' or '-', "
	       "not starting with '.' or '-'");
	EXPECT("permit", "\"\"", "bad_manifest", "manifest.permit: must be a non-empty string");
	EXPECT("command", "[]", "bad_manifest",
	       "manifest.command: must be an array of 1 to 256 strings");
	EXPECT("command", "[\"sh\", 3]", "bad_manifest",
	       "manifest.command[1]: must be a string of at most 4096 bytes without NUL");
	EXPECT("dataset", "\"nope\"", "unknown_dataset", "unknown dataset \"nope\"; valid datasets: synth");
	EXPECT("dataset", "\"synht\"", "unknown_dataset",
	       "unknown dataset \"synht\" (did you mean \"synth\"?); valid datasets: synth");
	EXPECT("outptus", "[]", "bad_manifest",
	       "manifest: unknown key \"outptus\" (did you mean \"outputs\"?); valid keys: project, "
	       "permit, dataset, runtime, command, limits, outputs");
	EXPECT("runtime", "\"julia\"", "unknown_runtime", "unknown runtime \"julia\"; valid runtimes: python3, r, shell");
	EXPECT("limits", "{\"memory_mb\": 99999}", "limit_exceeded",
	       "manifest.limits.memory_mb: 99999 exceeds the maximum 8192");
	EXPECT("limits", "{\"pids\": 0}", "bad_manifest",
	       "manifest.limits.pids: must be a positive integer");
	EXPECT("limits", "{\"disk\": 1}", "bad_manifest",
	       "manifest.limits: unknown key \"disk\"; valid keys: memory_mb, cpu_seconds, "
	       "wall_seconds, pids, output_mb");
	EXPECT("outputs", "{}", "bad_manifest",
	       "manifest.outputs: must be an array of at most 100 outputs");
}

static void test_output_errors(void **state)
{
	EXPECT("outputs", "[{\"path\": \"a.csv\", \"kind\": \"figure\", \"x\": 1}]",
	       "bad_manifest", "manifest.outputs[0]: unknown key \"x\"; valid keys: path, kind, "
	       "dimensions, count, value, contributors, largest, dof, total_codes, hierarchies, "
	       "labels, bins, derived, observations, time, at_risk, events, ...");
	/* a typo gets the nearest name */
	EXPECT("outputs", "[{\"path\": \"a.csv\", \"kind\": \"figure\", \"dimension\": [\"a\"]}]",
	       "bad_manifest", "manifest.outputs[0]: unknown key \"dimension\" (did you mean "
	       "\"dimensions\"?); valid keys: path, kind, dimensions, count, value, contributors, "
	       "largest, dof, total_codes, hierarchies, labels, bins, derived, observations, time, "
	       "at_risk, events, ...");
	EXPECT("outputs", "[{\"path\": \"a.csv\", \"kind\": \"frequency_tabel\"}]", "bad_manifest",
	       "manifest.outputs[0].kind: must be one of frequency_table, magnitude_table, "
	       "summary_statistics, regression, survival_table, figure, text (did you mean "
	       "\"frequency_table\"?)");
	EXPECT("outputs", "[{\"kind\": \"figure\"}]", "bad_manifest",
	       "manifest.outputs[0]: missing \"path\"");
	EXPECT("outputs", "[{\"path\": \"../a\", \"kind\": \"figure\"}]", "bad_manifest",
	       OUTNAME_MSG);
	EXPECT("outputs", "[{\"path\": \"/etc/passwd\", \"kind\": \"figure\"}]", "bad_manifest",
	       OUTNAME_MSG);
	/* one owner (common/outname.c): a name the collector would refuse, or
	 * trex fetch would not write, is refused here, not "not produced" later */
	EXPECT("outputs", "[{\"path\": \"-r.csv\", \"kind\": \"figure\"}]", "bad_manifest",
	       OUTNAME_MSG);
	EXPECT("outputs", "[{\"path\": \"t/.hidden.csv\", \"kind\": \"figure\"}]",
	       "bad_manifest", OUTNAME_MSG);
	EXPECT("outputs", "[{\"path\": \"a\\\\b.csv\", \"kind\": \"figure\"}]",
	       "bad_manifest", OUTNAME_MSG);
	EXPECT("outputs", "[{\"path\": \"a\\u0085.csv\", \"kind\": \"figure\"}]",
	       "bad_manifest", OUTNAME_MSG);
	EXPECT("outputs", "[{\"path\": 7, \"kind\": \"figure\"}]", "bad_manifest",
	       "manifest.outputs[0].path: must be a string");
	EXPECT("outputs", "[{\"path\": \"a.png\"}]", "bad_manifest",
	       "manifest.outputs[0]: missing \"kind\"");
	EXPECT("outputs", "[{\"path\": \"a.png\", \"kind\": \"movie\"}]", "bad_manifest",
	       "manifest.outputs[0].kind: must be one of frequency_table, magnitude_table, "
	       "summary_statistics, regression, survival_table, figure, text");
	EXPECT("outputs", "[{\"path\": \"a.csv\", \"kind\": \"frequency_table\"}]", "bad_manifest",
	       "manifest.outputs[0]: a frequency_table needs \"dimensions\" and \"count\"");
	EXPECT("outputs", "[{\"path\": \"a.csv\", \"kind\": \"regression\"}]", "bad_manifest",
	       "manifest.outputs[0]: a regression needs \"dof\"");
	/* derived statistics: read by trex-check's declaration parser, so a
	 * job is refused before it runs for what the checker would refuse */
	EXPECT("outputs",
	       "[{\"path\": \"s.csv\", \"kind\": \"summary_statistics\", \"dimensions\": [\"g\"],"
	       " \"count\": \"n\", \"derived\": {\"p\": {\"kind\": \"percentage\"}}}]",
	       "bad_manifest", "manifest: outputs[0].derived.p: a percentage needs 'denominator'");
	EXPECT("outputs", "[{\"path\": \"k.csv\", \"kind\": \"survival_table\", \"time\": \"t\"}]",
	       "bad_manifest", "manifest: outputs[0]: a survival_table needs 'time' and 'at_risk'");
	EXPECT("outputs", "[{\"path\": \"f.csv\", \"kind\": \"frequency_table\", \"dimensions\": [\"g\"],"
	       " \"count\": \"n\", \"observations\": \"k\"}]",
	       "bad_manifest", "manifest: outputs[0]: 'observations' is for a regression");
	{
		const char *code;
		char msg[256];
		assert_int_equal(check("outputs",
				       "[{\"path\": \"s.csv\", \"kind\": \"summary_statistics\","
				       " \"dimensions\": [\"g\"], \"count\": \"n\", \"derived\":"
				       " {\"p\": {\"kind\": \"percentage\", \"denominator\": \"n\"}}},"
				       " {\"path\": \"r.csv\", \"kind\": \"regression\", \"dof\": \"d\","
				       " \"observations\": \"k\"},"
				       " {\"path\": \"k.csv\", \"kind\": \"survival_table\", \"time\": \"t\","
				       " \"at_risk\": \"n\", \"survival\": \"s\"}]",
				       &code, msg), 0);
	}
	EXPECT("outputs",
	       "[{\"path\": \"a.png\", \"kind\": \"figure\"}, {\"path\": \"a.png\", \"kind\": \"figure\"}]",
	       "bad_manifest", "manifest.outputs[1].path: \"a.png\" is declared twice");
	EXPECT("outputs", "[{\"path\": \"policy.json\", \"kind\": \"text\"}]", "bad_manifest",
	       "manifest.outputs[0].path: \"policy.json\" is reserved");
	/* the checker's SACRO Viewer export folder, and anything below it */
	EXPECT("outputs", "[{\"path\": \".trex-acro\", \"kind\": \"text\"}]", "bad_manifest",
	       "manifest.outputs[0].path: \".trex-acro/\" is reserved");
	EXPECT("outputs", "[{\"path\": \".trex-acro/results.json\", \"kind\": \"text\"}]",
	       "bad_manifest", "manifest.outputs[0].path: \".trex-acro/\" is reserved");
	/* a name beside it is hidden, and no hidden file is declared */
	EXPECT("outputs", "[{\"path\": \".trex-acrobat\", \"kind\": \"text\"}]", "bad_manifest",
	       OUTNAME_MSG);
	EXPECT("outputs", "[{\"path\": \"a.csv\", \"kind\": \"figure\", \"dimensions\": []}]",
	       "bad_manifest", "manifest.outputs[0].dimensions: must be an array of 1 to 16 column names");
}

/* "labels" and "bins" (issue #11 item 7c): strict, for declared dimensions. */
#define T "{\"path\": \"t.csv\", \"kind\": \"frequency_table\", \"dimensions\": [\"sex\", \"age\"], " \
	  "\"count\": \"n\", "
static void test_labels_bins(void **state)
{
	{
		const char *c;
		char m[256];
		assert_int_equal(check("outputs", "[" T "\"labels\": {\"sex\": [\"M\", \"F\"]}, "
						  "\"bins\": {\"age\": [0, 18, 40.5, 60]}}]", &c, m), 0);
	}
	EXPECT("outputs", "[" T "\"labels\": [\"M\"]}]", "bad_manifest",
	       "manifest.outputs[0].labels: must be an object");
	EXPECT("outputs", "[" T "\"labels\": {\"region\": [\"N\"]}}]", "bad_manifest",
	       "manifest.outputs[0].labels.region: not a declared dimension");
	EXPECT("outputs", "[" T "\"labels\": {\"sex\": []}}]", "bad_manifest",
	       "manifest.outputs[0].labels.sex: must be an array of 1 to 10000 labels");
	EXPECT("outputs", "[" T "\"labels\": {\"sex\": [\"M\", 1]}}]", "bad_manifest",
	       "manifest.outputs[0].labels.sex: labels must be strings of at most 256 bytes");
	EXPECT("outputs", "[" T "\"bins\": {\"age\": [0, 40, 18]}}]", "bad_manifest",
	       "manifest.outputs[0].bins.age: breaks must be numbers in increasing order");
	EXPECT("outputs", "[" T "\"bins\": {\"age\": [0, 0]}}]", "bad_manifest",
	       "manifest.outputs[0].bins.age: breaks must be numbers in increasing order");
	EXPECT("outputs", "[" T "\"bins\": {\"age\": [\"0\"]}}]", "bad_manifest",
	       "manifest.outputs[0].bins.age: breaks must be numbers in increasing order");
	EXPECT("outputs", "[" T "\"bins\": {\"age\": 18}}]", "bad_manifest",
	       "manifest.outputs[0].bins.age: must be an array of 1 to 1000 breaks");
}
#undef T

static void test_path_ok(void **state)
{
	assert_true(manifest_path_ok("a.csv", 5));
	assert_true(manifest_path_ok("dir/a.csv", 9));
	assert_true(manifest_path_ok("..a", 3));
	assert_false(manifest_path_ok("", 0));
	assert_false(manifest_path_ok("/a", 2));
	assert_false(manifest_path_ok("a/../b", 6));
	assert_false(manifest_path_ok("./a", 3));
	assert_false(manifest_path_ok("a//b", 4));
	assert_false(manifest_path_ok("a/", 2));
	assert_false(manifest_path_ok("a\nb", 3));
	assert_false(manifest_path_ok("a\\b", 3));
	assert_false(manifest_path_ok("a\0b", 3));
}

static void test_bundle_check(void **state)
{
	struct trex_err err = { 0 };
	json_t *f = json_pack("{s:s,s:s}", "a.py", "cHJpbnQoMSkK", "lib/x.py", "");
	assert_int_equal(bundle_check(f, 1 << 20, &err), 0);
	json_object_set_new(f, "lib", json_string(""));
	assert_int_not_equal(bundle_check(f, 1 << 20, &err), 0);
	assert_string_equal(err.msg, "files: \"lib\" is both a file and a folder");
	json_decref(f);
	f = json_pack("{s:s}", "../x", "");
	assert_int_not_equal(bundle_check(f, 1 << 20, &err), 0);
	json_decref(f);
	f = json_pack("{s:i}", "a", 1);
	assert_int_not_equal(bundle_check(f, 1 << 20, &err), 0);
	assert_string_equal(err.msg, "files.a: must be a base64 string");
	json_decref(f);
	f = json_pack("{s:s}", "a", "AAAAAAAA");
	assert_int_equal(bundle_check(f, 4, &err), -EFBIG);
	json_decref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_effective_limits),
		cmocka_unit_test(test_explicit_and_digest),
		cmocka_unit_test(test_canonical_form),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_output_errors),
		cmocka_unit_test(test_labels_bins),
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_bundle_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
