/* Unit tests for common/permit.c: a permit is refused, with its precise
 * reason, when forged, signed by an untrusted key, expired, not yet valid,
 * revoked, or not covering the project, researcher, dataset or runtime. */
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

#include "common/permit.h"

static char dir[64];
static struct trex_key *approver, *approver_pub, *other;

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "%s", "/tmp/trex-permit-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char a[128], b[128], c[128], d[128];
	snprintf(a, sizeof(a), "%s/a.pem", dir);
	snprintf(b, sizeof(b), "%s/a.pub", dir);
	snprintf(c, sizeof(c), "%s/o.pem", dir);
	snprintf(d, sizeof(d), "%s/o.pub", dir);
	if (trex_key_generate(a, b, NULL) || trex_key_generate(c, d, NULL) ||
	    trex_key_load_private(a, &approver, NULL) ||
	    trex_key_load_public(b, &approver_pub, NULL) ||
	    trex_key_load_private(c, &other, NULL))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	trex_key_free(approver);
	trex_key_free(approver_pub);
	trex_key_free(other);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static json_t *unsigned_permit(void)
{
	return json_pack("{s:s, s:s, s:[s], s:[s], s:[s,s], s:s, s:s, s:s, s:b}",
			 "permit_id", "PRM-1", "project", "P2026-041",
			 "researchers", "alice", "datasets", "snds-synth",
			 "runtimes", "python3", "r", "policy", "default",
			 "valid_from", "2026-01-01T00:00:00Z",
			 "valid_until", "2027-01-01T00:00:00Z", "strict", 0);
}

static char *signed_by(const struct trex_key *key)
{
	json_t *doc = unsigned_permit();
	char *text = NULL;
	assert_int_equal(permit_sign(doc, key, &text, NULL), 0);
	json_decref(doc);
	return text;
}

static enum permit_refusal check_text(const char *text, const char *researcher,
				      const char *dataset, const char *runtime,
				      const char *when, const char *revoked)
{
	struct permit p;
	struct trex_err err;
	assert_int_equal(permit_parse(text, strlen(text), &p, &err), 0);
	struct trex_key *keys[] = { approver_pub };
	const char *rev[] = { revoked };
	struct permit_trust trust = { keys, 1, rev, revoked ? 1 : 0, NULL, NULL };
	struct permit_request req = { "P2026-041", researcher, dataset, runtime, 0 };
	assert_int_equal(permit_parse_time(when, &req.now), 0);
	enum permit_refusal r = permit_check(&p, &trust, &req, &err);
	if (r != PERMIT_OK)
		assert_true(strlen(err.msg) > 0);
	permit_free(&p);
	return r;
}

#define NOW "2026-11-29T12:00:00Z"

static void test_valid_permit_accepted(void **state)
{
	char *t = signed_by(approver);
	assert_int_equal(check_text(t, "alice", "snds-synth", "r", NOW, NULL), PERMIT_OK);
	free(t);
}

static void test_refusal_reasons(void **state)
{
	char *t = signed_by(approver);
	assert_int_equal(check_text(t, "bob", "snds-synth", "python3", NOW, NULL), PERMIT_RESEARCHER);
	assert_int_equal(check_text(t, "alice", "cnam-full", "python3", NOW, NULL), PERMIT_DATASET);
	assert_int_equal(check_text(t, "alice", "snds-synth", "shell", NOW, NULL), PERMIT_RUNTIME);
	assert_int_equal(check_text(t, "alice", "snds-synth", "python3", "2027-01-01T00:00:00Z", NULL), PERMIT_EXPIRED);
	assert_int_equal(check_text(t, "alice", "snds-synth", "python3", "2025-12-31T23:59:59Z", NULL), PERMIT_NOT_YET_VALID);
	assert_int_equal(check_text(t, "alice", "snds-synth", "python3", NOW, "PRM-1"), PERMIT_REVOKED);
	free(t);
	char *o = signed_by(other);
	assert_int_equal(check_text(o, "alice", "snds-synth", "python3", NOW, NULL), PERMIT_UNTRUSTED_KEY);
	free(o);
}

static void test_forged_permit(void **state)
{
	char *t = signed_by(approver);
	/* widen the permit after signing: add a researcher */
	char *p = strstr(t, "\"alice\"");
	assert_non_null(p);
	memcpy(p, "\"mallo\"", 7);
	assert_int_equal(check_text(t, "mallo", "snds-synth", "python3", NOW, NULL), PERMIT_FORGED);
	free(t);
}

static void test_malformed_permits(void **state)
{
	struct permit p;
	struct trex_err err;
	const char *unknown = "{\"permit_id\":\"x\",\"extra\":1}";
	assert_int_equal(permit_parse(unknown, strlen(unknown), &p, &err), -EINVAL);
	const char *dup = "{\"permit_id\":\"x\",\"permit_id\":\"y\"}";
	assert_int_equal(permit_parse(dup, strlen(dup), &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "duplicate"));
	json_t *doc = unsigned_permit();
	json_object_set_new(doc, "valid_until", json_string("2025-01-01T00:00:00Z"));
	char *text = NULL;
	assert_int_equal(permit_sign(doc, approver, &text, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "valid_until"));
	json_decref(doc);
}

/* The permit checked at `when` against approver_pub with the trust window
 * [nb, na) (NULL: no bound), and other's public key with none; msg gets
 * the refusal's sentence. */
static enum permit_refusal check_window(const char *text, const char *when, const char *nb,
					const char *na, char *msg, size_t msgsz)
{
	struct permit p;
	struct trex_err err = { 0 };
	assert_int_equal(permit_parse(text, strlen(text), &p, &err), 0);
	struct trex_key *keys[] = { approver_pub, approver_pub };
	time_t before[2] = { 0, 0 }, after[2] = { 0, 0 };
	if (nb)
		assert_int_equal(permit_parse_time(nb, &before[0]), 0);
	if (na)
		assert_int_equal(permit_parse_time(na, &after[0]), 0);
	struct permit_trust trust = { keys, 1, NULL, 0, before, after };
	struct permit_request req = { "P2026-041", "alice", "snds-synth", "python3", 0 };
	assert_int_equal(permit_parse_time(when, &req.now), 0);
	enum permit_refusal r = permit_check(&p, &trust, &req, &err);
	snprintf(msg, msgsz, "%s", r == PERMIT_OK ? "" : err.msg);
	permit_free(&p);
	return r;
}

/* Rotation with an overlap: the old key's not_after and the new key's
 * not_before, to the second (included from, excluded until, as a
 * permit's own window). */
static void test_key_window(void **state)
{
	char *t = signed_by(approver), msg[256], want[256];
	char kid[65];
	assert_int_equal(trex_key_id(approver_pub, kid), 0);
	const char *na = "2026-12-31T00:00:00Z", *nb = "2026-11-01T00:00:00Z";
	assert_int_equal(check_window(t, NOW, NULL, NULL, msg, sizeof(msg)), PERMIT_OK);
	assert_int_equal(check_window(t, "2026-12-30T23:59:59Z", NULL, na, msg, sizeof(msg)), PERMIT_OK);
	assert_int_equal(check_window(t, "2026-12-31T00:00:00Z", NULL, na, msg, sizeof(msg)),
			 PERMIT_KEY_EXPIRED);
	snprintf(want, sizeof(want), "permit PRM-1 is signed by approver key %s, which expired at 2026-12-31T00:00:00Z (its not_after in approver_keys): ask the approver for a permit signed with their current key",
		 kid);
	assert_string_equal(msg, want);
	assert_string_equal(permit_refusal_code(PERMIT_KEY_EXPIRED), "permit_key_expired");
	assert_int_equal(check_window(t, "2026-10-31T23:59:59Z", nb, na, msg, sizeof(msg)),
			 PERMIT_KEY_NOT_YET_VALID);
	snprintf(want, sizeof(want), "permit PRM-1 is signed by approver key %s, which is trusted only from 2026-11-01T00:00:00Z (its not_before in approver_keys)",
		 kid);
	assert_string_equal(msg, want);
	assert_string_equal(permit_refusal_code(PERMIT_KEY_NOT_YET_VALID), "permit_key_not_yet_valid");
	assert_int_equal(check_window(t, "2026-11-01T00:00:00Z", nb, na, msg, sizeof(msg)), PERMIT_OK);
	/* the key's window is checked after the signature: a forged permit
	 * naming an expired key is "forged", never blamed on the key */
	char *f = signed_by(approver);
	memcpy(strstr(f, "\"alice\""), "\"mallo\"", 7);
	assert_int_equal(check_window(f, "2027-06-01T00:00:00Z", NULL, na, msg, sizeof(msg)),
			 PERMIT_FORGED);
	free(f);
	/* the permit's own window still applies inside the key's */
	assert_int_equal(check_window(t, "2027-01-01T00:00:00Z", NULL, "2028-01-01T00:00:00Z", msg,
				      sizeof(msg)),
			 PERMIT_EXPIRED);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_permit_accepted),
		cmocka_unit_test(test_refusal_reasons),
		cmocka_unit_test(test_forged_permit),
		cmocka_unit_test(test_malformed_permits),
		cmocka_unit_test(test_key_window),
	};
	return cmocka_run_group_tests_name("permit", tests, setup, teardown);
}
