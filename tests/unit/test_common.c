/* Unit tests for common/: errors, buffers, base64, escaping, hashing,
 * allocation failure injection. */
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

#include "common/alloc.h"
#include "common/b64.h"
#include "common/beneath.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/esc.h"
#include "common/hash.h"
#include "common/outname.h"

static void test_err_set_appends_strerror(void **state)
{
	struct trex_err err;
	int r = trex_err_set(&err, -ENOENT, "open %s", "/x");
	assert_int_equal(r, -ENOENT);
	assert_string_equal(err.msg, "open /x: No such file or directory");
	trex_err_setx(&err, -EINVAL, "unknown key %s", "k");
	assert_string_equal(err.msg, "unknown key k");
	trex_err_prefix(&err, "manifest");
	assert_string_equal(err.msg, "manifest: unknown key k");
}

static void test_buf_cap(void **state)
{
	struct trex_buf b;
	trex_buf_init(&b, 8);
	assert_int_equal(trex_buf_append(&b, "12345", 5), 0);
	assert_int_equal(trex_buf_append(&b, "6789", 4), -EFBIG);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "12345");
	assert_int_equal(trex_buf_printf(&b, "%d", 678), 0);
	assert_string_equal(b.data, "12345678");
	trex_buf_free(&b);
}

static void test_b64_roundtrip_and_reject(void **state)
{
	char *enc;
	size_t n;
	assert_int_equal(trex_b64_encode("hello!?", 7, &enc, &n), 0);
	assert_string_equal(enc, "aGVsbG8hPw==");
	unsigned char *dec;
	assert_int_equal(trex_b64_decode(enc, n, &dec, &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(dec, "hello!?", 7);
	trex_free(enc);
	trex_free(dec);
	assert_int_equal(trex_b64_decode("aGV*bG8h", 8, &dec, &n), -EINVAL);
	assert_int_equal(trex_b64_decode("aGVsb", 5, &dec, &n), -EINVAL);
	/* non-canonical: unused bits set ("YR==" would also decode to "a") */
	assert_int_equal(trex_b64_decode("YR==", 4, &dec, &n), -EINVAL);
}

static void test_esc_control_chars(void **state)
{
	char out[64];
	trex_esc("a\nb\x1b]52", 7, out, sizeof(out));
	assert_string_equal(out, "a\\x0ab\\x1b]52");
	trex_esc("abcdefghij", 10, out, 8);
	assert_string_equal(out, "abcd...");
}

static void test_sha256(void **state)
{
	char hex[65];
	assert_int_equal(trex_sha256_hex("abc", 3, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_alloc_fail_injection(void **state)
{
	trex_alloc_fail_at(2);
	void *a = trex_malloc(10);
	void *b = trex_malloc(10);
	void *c = trex_malloc(10);
	trex_alloc_fail_at(0);
	assert_non_null(a);
	assert_null(b);
	assert_non_null(c);
	trex_free(a);
	trex_free(c);
}

/* The one owner of "below a folder, no link on the way": a symlink planted
 * in a path (as a job or a hostile fetch destination would) is refused
 * where plain openat/mkdirat would follow it. */
static void test_beneath_refuses_links(void **state)
{
	char root[] = "/tmp/trex-beneath-XXXXXX", out[] = "/tmp/trex-beneath-out-XXXXXX";
	assert_non_null(mkdtemp(root));
	assert_non_null(mkdtemp(out));
	int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir >= 0);
	assert_int_equal(mkdirat(dir, "a", 0755), 0);
	int f = openat(dir, "a/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(f >= 0);
	close(f);
	assert_int_equal(symlinkat(out, dir, "link"), 0);
	assert_int_equal(symlinkat("/etc/passwd", dir, "a/pw"), 0);

	int fd = trex_open_beneath(dir, "a/f", O_RDONLY, 0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(trex_open_beneath(dir, "a/pw", O_RDONLY, 0), -ELOOP);
	assert_int_equal(trex_open_beneath(dir, "../etc/passwd", O_RDONLY, 0), -EXDEV);
	assert_int_equal(trex_open_beneath(dir, "link/x", O_RDONLY | O_CREAT, 0), -ELOOP);
	/* the control: plain openat follows the link out of root */
	fd = openat(dir, "a/pw", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);

	struct trex_err err = { 0 };
	const char *base = NULL;
	fd = trex_mkdir_beneath(dir, "b/c/d.csv", 0700, TREX_BENEATH_FSYNC, &base, &err);
	assert_true(fd >= 0);
	assert_string_equal(base, "d.csv");
	close(fd);
	struct stat st;
	assert_int_equal(fstatat(dir, "b/c", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	/* a folder of the path that is a symlink: refused, nothing made outside */
	assert_int_equal(trex_mkdir_beneath(dir, "link/e/f.csv", 0700, 0, &base, &err), -ENOTDIR);
	assert_int_equal(fstatat(AT_FDCWD, out, &st, 0), 0);
	char probe[128];
	snprintf(probe, sizeof(probe), "%s/e", out);
	assert_int_equal(access(probe, F_OK), -1);
	assert_non_null(strstr(err.msg, "link/e/f.csv"));
	assert_int_equal(trex_mkdir_beneath(dir, "b//f.csv", 0700, 0, &base, &err), -EINVAL);
	/* no folder: the fd is a copy of dir, base the whole name */
	fd = trex_mkdir_beneath(dir, "top.csv", 0700, 0, &base, &err);
	assert_true(fd >= 0);
	assert_string_equal(base, "top.csv");
	close(fd);
	close(dir);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, out);
	assert_int_equal(system(cmd), 0);
}

/* What the manifest accepts, the collector collects and trex fetch writes:
 * one predicate; the collector takes the components (a hidden file is
 * collected, never declared). */
static void test_outname(void **state)
{
#define P(s) trex_outname_path_ok(s, sizeof(s) - 1)
#define C(s) trex_outname_component_ok(s, sizeof(s) - 1)
	assert_true(P("age_sex.csv"));
	assert_true(P("tables/t1 (\xc3\xa9).csv"));
	assert_false(P("..a")); /* hidden */
	assert_false(P("-r.csv"));
	assert_false(P("t/-r.csv"));
	assert_false(P(".hidden"));
	assert_false(P("t/.hidden"));
	assert_false(P("a\\b"));
	assert_false(P("a\xc2\x85" "b"));      /* C1 NEL */
	assert_false(P("a\xc0\xaf" "b"));      /* overlong '/' */
	assert_false(P("a\xed\xa0\x80" "b")); /* surrogate */
	assert_false(P("a\xe2\x82"));       /* cut short */
	assert_false(P("a\0b"));
	assert_false(P("/a"));
	assert_false(P("a/"));
	assert_false(P("a//b"));
	assert_false(P("a/../b"));
	assert_true(P("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p"));
	assert_false(P("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q"));
	char longp[TREX_OUTNAME_MAX_PATH + 2];
	memset(longp, 'a', sizeof(longp));
	for (size_t i = 200; i < sizeof(longp); i += 201)
		longp[i] = '/';
	assert_true(trex_outname_path_ok(longp, TREX_OUTNAME_MAX_PATH - 1));
	assert_false(trex_outname_path_ok(longp, TREX_OUTNAME_MAX_PATH + 1));
	assert_true(C(".hidden"));
	assert_false(C("."));
	assert_false(C(".."));
	assert_false(C("-x"));
	assert_false(C("a/b"));
	char name[257];
	memset(name, 'n', sizeof(name));
	assert_true(trex_outname_component_ok(name, 255));
	assert_false(trex_outname_component_ok(name, 256));
#undef P
#undef C
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_set_appends_strerror),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_b64_roundtrip_and_reject),
		cmocka_unit_test(test_esc_control_chars),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_alloc_fail_injection),
		cmocka_unit_test(test_beneath_refuses_links),
		cmocka_unit_test(test_outname),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
