/* Unit tests for common/: errors, buffers, base64, escaping, hashing,
 * allocation failure injection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/alloc.h"
#include "common/b64.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/esc.h"
#include "common/hash.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_set_appends_strerror),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_b64_roundtrip_and_reject),
		cmocka_unit_test(test_esc_control_chars),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_alloc_fail_injection),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
