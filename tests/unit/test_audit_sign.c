/* Unit tests for common/sign.c (Ed25519) and common/audit.c (hash-chained
 * audit log): signatures verify and forgeries do not; every kind of
 * tampering with the log (edit, delete, insert, reorder, truncate) is named;
 * an append the disk takes only part of leaves the log as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/audit.h"
#include "common/hash.h"
#include "common/sign.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s", "/tmp/trex-ut-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static void test_sign_verify_and_forgery(void **state)
{
	char priv[128], pub[128];
	path_in(priv, sizeof(priv), "k.pem");
	path_in(pub, sizeof(pub), "k.pub");
	struct trex_err err;
	assert_int_equal(trex_key_generate(priv, pub, &err), 0);
	assert_int_equal(trex_key_generate(priv, pub, &err), -EEXIST);
	struct trex_key *sk, *pk;
	assert_int_equal(trex_key_load_private(priv, &sk, &err), 0);
	assert_int_equal(trex_key_load_public(pub, &pk, &err), 0);
	char *sig;
	assert_int_equal(trex_sign(sk, "permit", 6, &sig, &err), 0);
	assert_int_equal(trex_verify(pk, "permit", 6, sig, &err), 0);
	assert_int_equal(trex_verify(pk, "permiT", 6, sig, &err), -EBADMSG);
	sig[3] = sig[3] == 'A' ? 'B' : 'A';
	assert_int_equal(trex_verify(pk, "permit", 6, sig, &err), -EBADMSG);
	assert_int_equal(trex_verify(pk, "permit", 6, "not base64!", &err), -EBADMSG);
	/* a public key cannot sign */
	char *sig2;
	assert_int_equal(trex_sign(pk, "x", 1, &sig2, &err), -EINVAL);
	char id[65];
	assert_int_equal(trex_key_id(pk, id), 0);
	assert_int_equal(strlen(id), 64);
	trex_free(sig);
	trex_key_free(sk);
	trex_key_free(pk);
	unlink(priv);
	unlink(pub);
}

static void write_log(const char *path, int n)
{
	unlink(path);
	struct audit_log log;
	struct trex_err err;
	assert_int_equal(audit_open(path, &log, &err), 0);
	for (int i = 0; i < n; i++) {
		json_t *f = json_pack("{s:i}", "n", i);
		assert_int_equal(audit_append(&log, "test", f, &err), 0);
		json_decref(f);
	}
	audit_close(&log);
}

/* Rewrite the log applying a line-level edit: op 'e' edit line a, 'd'
 * delete line a, 's' swap lines a and b, 'i' duplicate line a after b,
 * 't' cut the last line in half. */
static void tamper(const char *path, char op, int a, int b)
{
	char lines[32][512];
	int n = 0;
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (n < 32 && fgets(lines[n], sizeof(lines[n]), f))
		n++;
	fclose(f);
	f = fopen(path, "w");
	for (int i = 0; i < n; i++) {
		if (op == 'd' && i == a)
			continue;
		const char *l = lines[i];
		if (op == 's' && i == a)
			l = lines[b];
		else if (op == 's' && i == b)
			l = lines[a];
		if (op == 'e' && i == a) {
			char *p = strstr(lines[i], "\"n\":");
			assert_non_null(p);
			p[4] = p[4] == '9' ? '8' : '9';
		}
		if (op == 't' && i == n - 1) {
			fwrite(l, 1, strlen(l) / 2, f);
			continue;
		}
		fputs(l, f);
		if (op == 'i' && i == b)
			fputs(lines[a], f);
	}
	fclose(f);
}

static void test_audit_intact_and_reopen(void **state)
{
	char p[128];
	path_in(p, sizeof(p), "audit.log");
	write_log(p, 5);
	struct audit_verify_result res;
	struct trex_err err;
	assert_int_equal(audit_verify(p, &res, &err), 0);
	assert_int_equal(res.lines, 5);
	/* reopening continues the chain */
	struct audit_log log;
	assert_int_equal(audit_open(p, &log, &err), 0);
	assert_int_equal(log.seq, 5);
	assert_int_equal(audit_append(&log, "again", NULL, &err), 0);
	audit_close(&log);
	assert_int_equal(audit_verify(p, &res, &err), 0);
	assert_int_equal(res.lines, 6);
	/* reserved keys are refused */
	assert_int_equal(audit_open(p, &log, &err), 0);
	json_t *f = json_pack("{s:s}", "prev", "x");
	assert_int_equal(audit_append(&log, "bad", f, &err), -EINVAL);
	json_decref(f);
	audit_close(&log);
}

static void expect_broken(const char *p, uint64_t line)
{
	struct audit_verify_result res;
	struct trex_err err;
	assert_int_equal(audit_verify(p, &res, &err), -EBADMSG);
	assert_int_equal(res.bad_line, line);
	struct audit_log log;
	assert_int_equal(audit_open(p, &log, &err), -EBADMSG);
}

static void test_audit_tamper_detected(void **state)
{
	char p[128];
	path_in(p, sizeof(p), "audit.log");
	write_log(p, 6);
	tamper(p, 'e', 2, 0);   /* edit line 3 → line 4's prev breaks */
	expect_broken(p, 4);
	write_log(p, 6);
	tamper(p, 'd', 2, 0);   /* delete line 3 → line 3 (old 4) has seq 4 */
	expect_broken(p, 3);
	write_log(p, 6);
	tamper(p, 's', 1, 3);   /* reorder */
	expect_broken(p, 2);
	write_log(p, 6);
	tamper(p, 'i', 1, 3);   /* re-insert a copy of line 2 after line 4 */
	expect_broken(p, 5);
	write_log(p, 6);
	tamper(p, 't', 0, 0);   /* truncated last line */
	expect_broken(p, 6);
}

/* What a checkpoint signs, in both forms, and the SEQ:HASH of a head. */
static void test_checkpoint_text_and_head(void **state)
{
	char t[256];
	const char *h = "ab"; /* any hex: the text only repeats it */
	json_t *cp = json_pack("{s:i,s:s}", "signed_seq", 7, "signed_hash", h);
	assert_int_equal(audit_checkpoint_text(cp, t, sizeof(t)), 0);
	assert_string_equal(t, "trex-audit-checkpoint seq=7 hash=ab");
	json_object_set_new(cp, "jobs", json_integer(3));
	assert_int_equal(audit_checkpoint_text(cp, t, sizeof(t)), -EINVAL); /* jobs alone */
	json_object_set_new(cp, "store_seq", json_integer(5));
	assert_int_equal(audit_checkpoint_text(cp, t, sizeof(t)), 0);
	assert_string_equal(t, "trex-audit-checkpoint seq=7 hash=ab jobs=3 store_seq=5");
	json_object_set_new(cp, "store_seq", json_string("5"));
	assert_int_equal(audit_checkpoint_text(cp, t, sizeof(t)), -EINVAL);
	json_decref(cp);
	uint64_t seq;
	char hash[65];
	char good[100];
	snprintf(good, sizeof(good), "42:%s", AUDIT_GENESIS);
	assert_int_equal(audit_parse_head(good, &seq, hash), 0);
	assert_int_equal(seq, 42);
	assert_string_equal(hash, AUDIT_GENESIS);
	const char *bad[] = { "42", ":00", "x:" AUDIT_GENESIS, "1:" AUDIT_GENESIS "0",
			      "1:" "000000000000000000000000000000000000000000000000000000000000000A",
			      "-1:" AUDIT_GENESIS };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(audit_parse_head(bad[i], &seq, hash), -EINVAL);
}

struct scan_seen {
	uint64_t n, stop_at;
	char last[65];
};

static int scan_line(void *arg, uint64_t seq, const char *text, size_t len, const char *hash,
		     json_t *line)
{
	struct scan_seen *s = arg;
	char h[65];
	assert_int_equal(seq, s->n + 1);
	assert_int_equal(json_integer_value(json_object_get(line, "seq")), seq);
	assert_int_equal(trex_sha256_hex(text, len, h), 0);
	assert_string_equal(h, hash);
	s->n = seq;
	memcpy(s->last, hash, 65);
	return seq == s->stop_at ? -EIO : 0;
}

/* The scan sees every line, with its hash, and the head is the last one's. */
static void test_audit_scan(void **state)
{
	char p[128];
	path_in(p, sizeof(p), "scan.log");
	write_log(p, 5);
	struct scan_seen seen = { 0 };
	struct audit_verify_result res;
	struct trex_err err;
	assert_int_equal(audit_verify_scan(p, scan_line, &seen, &res, &err), 0);
	assert_int_equal(seen.n, 5);
	assert_string_equal(seen.last, res.head);
	struct audit_log log;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(audit_open_scan(p, &log, scan_line, &seen, &err), 0);
	assert_int_equal(log.seq, 5);
	assert_string_equal(log.prev, seen.last);
	audit_close(&log);
	/* a callback's error stops the walk and is returned */
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 3;
	assert_int_equal(audit_verify_scan(p, scan_line, &seen, &res, &err), -EIO);
	assert_int_equal(seen.n, 3);
}

/* A write cut short (a full disk; here RLIMIT_FSIZE, which makes write()
 * take what fits and then fail, as ENOSPC does) leaves nothing of the
 * line: the log verifies and the next append, once there is room, chains
 * to the same head. */
static void test_audit_failed_append_cut_back(void **state)
{
	char p[128];
	path_in(p, sizeof(p), "audit.log");
	write_log(p, 3);
	struct audit_log log;
	struct trex_err err;
	assert_int_equal(audit_open(p, &log, &err), 0);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	json_t *f = json_pack("{s:s}", "pad", "a line longer than the room left, a line longer than the room left");
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size + 40;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int r = audit_append(&log, "cut", f, &err);
	struct stat after;
	assert_int_equal(stat(p, &after), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_int_equal(r, -EFBIG);
	assert_int_equal(after.st_size, st.st_size);
	assert_int_equal(log.seq, 3);
	struct audit_verify_result res;
	assert_int_equal(audit_verify(p, &res, &err), 0);
	assert_int_equal(res.lines, 3);
	/* room again: the same line is appended and chains */
	assert_int_equal(audit_append(&log, "cut", f, &err), 0);
	json_decref(f);
	audit_close(&log);
	assert_int_equal(audit_verify(p, &res, &err), 0);
	assert_int_equal(res.lines, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify_and_forgery),
		cmocka_unit_test(test_audit_intact_and_reopen),
		cmocka_unit_test(test_audit_tamper_detected),
		cmocka_unit_test(test_checkpoint_text_and_head),
		cmocka_unit_test(test_audit_scan),
		cmocka_unit_test(test_audit_failed_append_cut_back),
	};
	return cmocka_run_group_tests_name("audit_sign", tests, setup_dir, teardown_dir);
}
