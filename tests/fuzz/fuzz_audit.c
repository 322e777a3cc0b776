/* Fuzz target: the audit-log verifier (common/audit.c: the hash chain;
 * common/keyrot.c: checkpoint signatures and key rotations), which `trex
 * audit verify` runs on a log copied from anywhere and trexd runs at
 * every start before it appends.
 *
 * The first byte chooses how the rest becomes the log. Even: as is (the
 * chain, JSON and line-length checks). Odd: line by line, the target
 * mends what a fuzzer cannot compute: each line that is a JSON object
 * gets the right "seq" and "prev", a checkpoint whose "signature" is
 * "SIGN" is signed over the line before it by key A (or B when its
 * "key_id" is "B"), and a key_rotated line whose "signature" is "SIGN"
 * becomes A's attested rotation to B, so that the signature and rotation
 * paths are reached too.
 *
 * Whatever the log: the verification walks it with a keyring holding A;
 * a log that verifies is followed (audit_follow, as the monitor does) to
 * the same head, opened for appending, appended to and verified again; a
 * log that breaks at line k is followable up to line k-1 and not to k. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/audit.h"
#include "common/buf.h"
#include "common/fsutil.h"
#include "common/hash.h"
#include "common/keyrot.h"
#include "common/sign.h"

static char fuzz_dir[64];
static char fuzz_log[96];
static struct trex_key *key_a, *key_b;
static char id_a[65], id_b[65];
static char *pub_a, *pub_b;

static void fuzz_cleanup(void)
{
	unlink(fuzz_log);
	rmdir(fuzz_dir);
}

static void fuzz_init(void)
{
	if (key_a)
		return;
	struct trex_err err = { 0 };
	char priv[128], pub[128];
	/* tmpfs when there is one: every append is fsync'd */
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/trex-fuzz-audit-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(fuzz_dir))
		abort();
	snprintf(fuzz_log, sizeof(fuzz_log), "%s/audit.log", fuzz_dir);
	atexit(fuzz_cleanup);
	for (int i = 0; i < 2; i++) {
		struct trex_key **k = i ? &key_b : &key_a;
		char **pem = i ? &pub_b : &pub_a;
		size_t len;
		snprintf(priv, sizeof(priv), "%s/%c.key", fuzz_dir, 'a' + i);
		snprintf(pub, sizeof(pub), "%s/%c.pub", fuzz_dir, 'a' + i);
		if (trex_key_generate(priv, pub, &err) < 0 || trex_key_load_private(priv, k, &err) < 0 ||
		    trex_read_file(AT_FDCWD, pub, 1 << 16, pem, &len, &err) < 0 ||
		    trex_key_id(*k, i ? id_b : id_a) < 0)
			abort();
		unlink(priv);
		unlink(pub);
	}
}

static void fuzz_sign(json_t *o, const struct trex_key *k, const char *text)
{
	char *sig = NULL;
	struct trex_err err = { 0 };
	if (trex_sign(k, text, strlen(text), &sig, &err) < 0)
		abort();
	json_object_set_new(o, "signature", json_string(sig));
	trex_free(sig);
}

/* One mended line: seq and prev right, signatures made when asked. */
static char *fuzz_mend(json_t *o, uint64_t seq, const char *prev)
{
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	json_object_set_new(o, "prev", json_string(prev));
	const char *ev = json_string_value(json_object_get(o, "event"));
	const char *sig = json_string_value(json_object_get(o, "signature"));
	if (ev && sig && !strcmp(sig, "SIGN")) {
		char text[256];
		if (!strcmp(ev, "checkpoint")) {
			const char *kid = json_string_value(json_object_get(o, "key_id"));
			int b = kid && !strcmp(kid, "B");
			if (kid)
				json_object_set_new(o, "key_id", json_string(b ? id_b : id_a));
			json_object_set_new(o, "signed_seq", json_integer((json_int_t)seq - 1));
			json_object_set_new(o, "signed_hash", json_string(prev));
			if (audit_checkpoint_text(o, text, sizeof(text)) == 0)
				fuzz_sign(o, b ? key_b : key_a, text);
		} else if (!strcmp(ev, "key_rotated")) {
			json_object_set_new(o, "old_key_id", json_string(id_a));
			json_object_set_new(o, "new_key_id", json_string(id_b));
			json_object_set_new(o, "public_key", json_string(pub_b));
			if (!json_is_string(json_object_get(o, "rotated_at")))
				json_object_set_new(o, "rotated_at", json_string("2026-12-07T00:00:00Z"));
			if (keyrot_text(o, text, sizeof(text)) == 0)
				fuzz_sign(o, key_a, text);
		}
	}
	return json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

/* The log the input stands for, in fuzz_log. */
static void fuzz_write_log(const uint8_t *data, size_t size)
{
	struct trex_buf out;
	trex_buf_init(&out, 0);
	if (size == 0 || !(data[0] & 1)) {
		if (size && trex_buf_append(&out, (const char *)data + 1, size - 1) < 0)
			abort();
	} else {
		const char *p = (const char *)data + 1, *end = (const char *)data + size;
		char prev[65] = AUDIT_GENESIS;
		uint64_t seq = 0;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			json_t *o = json_loadb(p, len, 0, NULL);
			char *mended = json_is_object(o) ? fuzz_mend(o, seq + 1, prev) : NULL;
			const char *line = mended ? mended : p;
			size_t llen = mended ? strlen(mended) : len;
			if (trex_buf_append(&out, line, llen) < 0 ||
			    (nl && trex_buf_append(&out, "\n", 1) < 0))
				abort();
			seq++;
			trex_sha256_hex(line, llen, prev);
			free(mended);
			json_decref(o);
			p += len + (nl ? 1 : 0);
		}
	}
	int fd = open(fuzz_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (out.len && write(fd, out.data, out.len) != (ssize_t)out.len))
		abort();
	close(fd);
	trex_buf_free(&out);
}

static int fuzz_walk(void *arg, uint64_t seq, const char *text, size_t len, const char *hash,
		     json_t *line)
{
	struct keyring *kr = arg;
	static char prev[65];
	static uint64_t last;
	int checked;
	struct trex_err err = { 0 };
	if (seq == 1)
		memcpy(prev, AUDIT_GENESIS, sizeof(prev));
	else if (seq != last + 1)
		abort(); /* lines come in order, each once */
	last = seq;
	int r = keyring_audit_line(kr, seq, prev, line, &checked, &err);
	if (r < 0 && (r != -EBADMSG || !err.msg[0]) && r != -ENOMEM)
		abort();
	memcpy(prev, hash, sizeof(prev));
	return r < 0 ? r : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_init();
	fuzz_write_log(data, size);
	/* a keyring holding A, parsed once (OpenSSL's PEM decoding would be
	 * most of the run); a rotation the log attests adds B, dropped after */
	static struct keyring kr;
	struct trex_err err = { 0 };
	if (kr.n == 0) {
		struct trex_key *pa = NULL;
		if (trex_key_parse_public(pub_a, strlen(pub_a), &pa, &err) < 0 ||
		    keyring_add(&kr, pa, &err) < 0)
			abort();
	}
	struct audit_verify_result res;
	int r = audit_verify_scan(fuzz_log, fuzz_walk, &kr, &res, &err);
	for (size_t i = 1; i < kr.n; i++)
		trex_key_free(kr.key[i]);
	kr.n = 1;
	/* the chain alone, as trexd checks it at start */
	struct audit_verify_result chain;
	int rc = audit_verify(fuzz_log, &chain, &err);
	struct audit_follow f;
	audit_follow_init(&f);
	if (rc == 0) {
		if (chain.bad_line || audit_follow(fuzz_log, &f, chain.lines, &err) < 0 ||
		    strcmp(f.head, chain.head) != 0)
			abort();
		if (r == 0 && (res.lines != chain.lines || strcmp(res.head, chain.head) != 0))
			abort();
		struct audit_log log;
		if (audit_open(fuzz_log, &log, &err) < 0 || log.seq != chain.lines)
			abort();
		if (audit_append(&log, "fuzz", NULL, &err) < 0)
			abort();
		audit_close(&log);
		if (audit_verify(fuzz_log, &chain, &err) < 0 || chain.lines != log.seq)
			abort();
	} else {
		if (rc != -EBADMSG || chain.bad_line == 0 || !err.msg[0])
			abort();
		if (audit_follow(fuzz_log, &f, chain.bad_line - 1, &err) < 0)
			abort();
		if (audit_follow(fuzz_log, &f, chain.bad_line, &err) == 0)
			abort();
		struct audit_log log;
		if (audit_open(fuzz_log, &log, &err) == 0)
			abort(); /* a broken chain is never appended to */
	}
	return 0;
}
