/* Unit tests for the Slurm executor's pure parts: the "slurm" section of
 * trexd.json and its routing (runner/config_slurm.c), the reason a queued
 * job shows (runner/view.c), the MON_SLURM message (runner/monproto.c),
 * and the import of an attempt's staging area (runner/slurm_import.c),
 * whose every refusal is tried on a real folder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "hash.h"
#include "runner/monproto.h"
#include "runner/slurm_import.h"
#include "runner/view.h"
#include "tests/unit/tconfig.h"
#include "tests/unit/tdir.h"

#define SLURM_OK "\"slurm\": {\"stage_dir\": \"/srv/trex/stage\", \"pool_uids\": \"64100:4\""

static int parse(const char *slurm, char msg[256], struct config *c)
{
	char text[2048];
	snprintf(text, sizeof(text),
		 "{\"state_dir\": \"/tmp\", \"socket\": \"/tmp/s.sock\", %s}", slurm);
	return tconfig_parse(c, "trexd.json", text, 0, msg);
}

static void test_config(void **state)
{
	struct config c;
	char msg[256];
	assert_int_equal(parse(SLURM_OK ", \"route_wall_seconds\": 600, \"poll_ms\": 50}", msg, &c), 0);
	assert_true(c.slurm.enabled);
	assert_string_equal(c.slurm.partition, "trex");
	assert_string_equal(c.slurm.bin_dir, "/usr/bin");
	assert_int_equal(c.slurm.pool_uid_base, 64100);
	assert_int_equal(c.slurm.pool_uid_count, 4);
	assert_int_equal(c.slurm.poll_ms, 50);
	struct limits l = { .memory_mb = 512, .wall_seconds = 599 };
	assert_false(config_slurm_routes(&c, "d", &l));
	l.wall_seconds = 600;
	assert_true(config_slurm_routes(&c, "d", &l));
	config_free(&c);
	/* no section: nothing routes to Slurm */
	assert_int_equal(parse("\"concurrency\": 1", msg, &c), 0);
	assert_false(c.slurm.enabled);
	assert_false(config_slurm_routes(&c, "d", &l));
	config_free(&c);
}

static void test_config_refused(void **state)
{
	static const struct {
		const char *slurm, *msg;
	} cases[] = {
		{ SLURM_OK ", \"colour\": 1}", "trexd.json:1: unknown key \"colour\" in slurm" },
		{ "\"slurm\": {\"stage_dir\": \"/srv/trex/stage\"}",
		  "trexd.json:1: slurm.pool_uids must be \"BASE:COUNT\" (the uids jobs run as on the cluster, never 0)" },
		{ SLURM_OK ", \"stage_dir\": \"/srv/a b\"}", NULL },
		{ SLURM_OK ", \"conf\": \"/etc/../x\"}",
		  "trexd.json:1: slurm.conf must be an absolute path of letters, digits and ._/- without . or .. parts" },
		{ SLURM_OK ", \"partition\": \"a;b\"}",
		  "trexd.json:1: slurm.partition must be 1 to 64 of [A-Za-z0-9._-]" },
		{ "\"slurm\": {\"stage_dir\": \"/s\", \"pool_uids\": \"0:4\"}", NULL },
		{ SLURM_OK ", \"poll_ms\": 1}", "trexd.json:1: slurm.poll_ms must be an integer from 10" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char msg[256];
		assert_int_not_equal(parse(cases[i].slurm, msg, &c), 0);
		if (cases[i].msg)
			assert_string_equal(msg, cases[i].msg);
		config_free(&c);
	}
	/* a stage_dir with a space: a duplicate key in the object, and a
	 * path the template could not hold */
	struct config c;
	char msg[256];
	assert_int_not_equal(parse("\"slurm\": {\"stage_dir\": \"/srv/a b\", \"pool_uids\": \"1:1\"}",
				   msg, &c), 0);
	assert_non_null(strstr(msg, "slurm.stage_dir must be an absolute path"));
	config_free(&c);
}

static void test_reason(void **state)
{
	char r[96];
	view_slurm_reason("Resources", r, sizeof(r));
	assert_string_equal(r, "queued on Slurm (Resources)");
	view_slurm_reason("ReqNodeNotAvail", r, sizeof(r));
	assert_string_equal(r, "queued on Slurm (ReqNodeNotAvail)");
	/* free text (an admin's hold message) is never shown */
	view_slurm_reason("held: patient 42", r, sizeof(r));
	assert_string_equal(r, "queued on Slurm (other)");
	view_slurm_reason("", r, sizeof(r));
	assert_string_equal(r, "queued on Slurm (other)");
}

static void test_message(void **state)
{
	unsigned char *buf = trex_malloc(MON_MSG_MAX);
	struct mon_msg *m = trex_malloc(sizeof(*m));
	struct mon_writer w;
	struct trex_err err = { 0 };
	const char *cmd[] = { "python3", "a.py" };
	mon_begin(&w, buf, MON_SLURM);
	mon_put_u64(&w, 1);
	mon_put_str(&w, "20261207T231130-35bb9587121f", 28);
	mon_put_u64(&w, 2);
	mon_put_u64(&w, 64101);
	mon_put_str(&w, "big", 3);
	mon_put_str(&w, "python3", 7);
	for (int i = 0; i < MON_NLIMITS; i++)
		mon_put_u64(&w, (uint64_t)(i + 1));
	mon_put_list(&w, cmd, 2);
	int n = mon_end(&w);
	assert_true(n > 0);
	assert_int_equal(mon_parse(buf, (size_t)n, m, &err), 0);
	assert_int_equal(m->type, MON_SLURM);
	assert_int_equal(m->op, 1);
	assert_string_equal(m->job, "20261207T231130-35bb9587121f");
	assert_int_equal(m->num2, 2);
	assert_int_equal(m->num3, 64101);
	assert_string_equal(m->dataset, "big");
	assert_int_equal(m->limits[MON_LIM_OUTPUT], 5);
	assert_int_equal(m->n_list, 2);
	assert_string_equal(m->list[1], "a.py");
	/* a byte short: refused */
	buf[8]--;
	assert_int_not_equal(mon_parse(buf, (size_t)n - 1, m, &err), 0);
	trex_free(buf);
	trex_free(m);
}

/* --- import --- */

static char adir[128], jdir[128];

static void put(const char *dir, const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* an attempt folder as trex-slurm-node leaves it: t.csv collected with
 * its hash, then the status record (extra: more lines after it) */
static void attempt(const char *extra, const char *tcsv)
{
	char p[256], sha[TREX_SHA256_HEX_LEN + 1], status[1024];
	snprintf(adir, sizeof(adir), "%s/a1", tdir_path);
	snprintf(jdir, sizeof(jdir), "%s/job", tdir_path);
	const char *subs[] = { "", "/stage", "/result" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", adir, subs[i]);
		mkdir(p, 0755);
	}
	snprintf(p, sizeof(p), "%s/stage", jdir);
	mkdir(jdir, 0755);
	mkdir(p, 0755);
	static const char table[] = "age_band,n\n20-29,120\n";
	trex_sha256_hex(table, strlen(table), sha);
	snprintf(status, sizeof(status),
		 "collected=t.csv\nresult=exit\nexit_code=0\nend=1\noutput=%s %zu t.csv\n%snode_exit=0\n",
		 sha, strlen(table), extra);
	snprintf(p, sizeof(p), "%s/stage", adir);
	put(p, "t.csv", tcsv ? tcsv : table);
	snprintf(p, sizeof(p), "%s/result", adir);
	put(p, "status", status);
	put(p, "stdout", "hello\n");
	put(p, "stderr", "");
}

static void test_import(void **state)
{
	struct slurm_import im;
	struct trex_err err = { 0 };
	attempt("", NULL);
	assert_int_equal(slurm_import(adir, jdir, 10, &im, &err), 0);
	assert_non_null(strstr(im.record, "result=exit\n"));
	assert_null(strstr(im.record, "output="));
	assert_int_equal(im.out_len, 6);
	slurm_import_free(&im);
	char p[256];
	snprintf(p, sizeof(p), "%s/stage/t.csv", jdir);
	assert_int_equal(access(p, F_OK), 0);
}

static void expect_refused(const char *extra, const char *tcsv, int code, const char *msg)
{
	struct slurm_import im;
	struct trex_err err = { 0 };
	attempt(extra, tcsv);
	assert_int_equal(slurm_import(adir, jdir, 10, &im, &err), code);
	assert_string_equal(err.msg, msg);
}

static void test_import_tampered(void **state)
{
	expect_refused("", "age_band,n\n20-29,2\n\n", -EBADMSG,
		       "output 1: its size or SHA-256 differs from the status record");
}

static void test_import_same_size(void **state)
{
	/* same size, other bytes */
	expect_refused("", "age_band,n\n20-29,121\n", -EBADMSG,
		       "output 1: its size or SHA-256 differs from the status record");
}

static void test_import_unhashed(void **state)
{
	expect_refused("collected=other.csv\n", NULL, -EBADMSG,
		       "collected output 2 has no hash in the status record");
}

static void test_import_extra_hash(void **state)
{
	char line[200];
	snprintf(line, sizeof(line), "output=%064d 3 x.csv\n", 0);
	expect_refused(line, NULL, -EBADMSG, "the status record hashes files it did not collect");
}

static void test_import_escape(void **state)
{
	char line[200];
	snprintf(line, sizeof(line), "output=%064d 3 ../x.csv\n", 0);
	expect_refused(line, NULL, -EBADMSG, "the status record has a malformed output line");
}

static void test_import_symlink(void **state)
{
	attempt("", NULL);
	char p[256];
	snprintf(p, sizeof(p), "%s/stage/t.csv", adir);
	unlink(p);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	struct slurm_import im;
	struct trex_err err = { 0 };
	assert_int_equal(slurm_import(adir, jdir, 10, &im, &err), -EBADMSG);
	assert_string_equal(err.msg,
			    "output 1: missing, not a regular file or too large in the staging area");
}

static void test_import_incomplete(void **state)
{
	attempt("", NULL);
	char p[256];
	snprintf(p, sizeof(p), "%s/result", adir);
	put(p, "status", "result=exit\nexit_code=0\n");
	struct slurm_import im;
	struct trex_err err = { 0 };
	assert_int_equal(slurm_import(adir, jdir, 10, &im, &err), -EBADMSG);
	assert_string_equal(err.msg, "the status record is incomplete");
	/* the outcome is said, never taken as 0 */
	put(p, "status", "result=exit\nend=1\nnode_exit=0\n");
	assert_int_equal(slurm_import(adir, jdir, 10, &im, &err), -EBADMSG);
	assert_string_equal(err.msg, "the status record is incomplete");
	snprintf(p, sizeof(p), "%s/result/status", adir);
	unlink(p);
	assert_int_equal(slurm_import(adir, jdir, 10, &im, &err), -ENOENT);
}

static void test_import_over_limit(void **state)
{
	struct slurm_import im;
	struct trex_err err = { 0 };
	attempt("", NULL);
	/* 0 MB allowed */
	assert_int_equal(slurm_import(adir, jdir, 0, &im, &err), -EBADMSG);
	assert_string_equal(err.msg, "output 1: over the job's output limit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_refused),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_message),
		cmocka_unit_test_setup_teardown(test_import, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_import_tampered, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_import_same_size, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_import_unhashed, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_import_extra_hash, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_import_escape, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_import_symlink, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_import_incomplete, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_import_over_limit, tdir_setup, tdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
