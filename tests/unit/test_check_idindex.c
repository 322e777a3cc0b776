/* Identifier index (policies/check/idindex.c): identifiers found whole and
 * inside labels and text (issue #11 item 7b), short ones only as whole
 * fields or tokens, numbers matched whole, windows across the chunks of a
 * text, and an index of the old format refused rather than misread. */
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

#include "alloc.h"
#include "policies/check/idindex.h"
#include "tdir.h"

static const char *const ids[] = {
	"P0001234",  /* 8 bytes: found anywhere */
	"db0b2900e8c5552d0bba162a6ba537070b0368d3423a0ec61e382361341e2933",
	"12345678",  /* numeric */
	"AB12",      /* short: whole fields and tokens only */
	"Q7",
};

static void ix_make(struct idindex *ix, const char *path)
{
	struct idindex_builder b;
	struct trex_err err = {0};
	size_t n = 0;

	assert_int_equal(idindex_builder_init(&b, &err), 0);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_int_equal(idindex_builder_add(&b, ids[i], strlen(ids[i])), 0);
		/* repeats are kept once */
		assert_int_equal(idindex_builder_add(&b, ids[i], strlen(ids[i])), 0);
	}
	assert_int_equal(idindex_builder_add(&b, "", 0), 0);
	if (idindex_builder_write(&b, path, &n, &err) != 0)
		fail_msg("write: %s", err.msg);
	idindex_builder_free(&b);
	assert_int_equal(n, 5);
	if (idindex_load(path, ix, &err) != 0)
		fail_msg("load: %s", err.msg);
}

#define HAS(s) idindex_field_has(&ix, s, strlen(s))

static void test_fields(void **state)
{
	char path[128];
	struct idindex ix;

	snprintf(path, sizeof(path), "%s/ids.bin", tdir_path);
	ix_make(&ix, path);
	/* whole */
	assert_true(HAS("P0001234"));
	assert_true(HAS("AB12"));
	assert_true(HAS("Q7"));
	assert_true(HAS("12345678"));
	/* inside a label, with or without delimiters */
	assert_true(HAS("P0001234,1966,1,45"));
	assert_true(HAS("xxP0001234yy"));
	assert_true(HAS("row: db0b2900e8c5552d0bba162a6ba537070b0368d3423a0ec61e382361341e2933;"));
	assert_true(HAS("a12345678"));
	/* short identifiers as whole tokens, a sentence's '.' trimmed */
	assert_true(HAS("patient AB12 aged 40"));
	assert_true(HAS("the last was AB12."));
	assert_true(HAS("Q7-"));
	assert_false(HAS("xAB12x"));
	assert_false(HAS("AB123"));
	assert_false(HAS("Q77"));
	/* lookalikes */
	assert_false(HAS("P000123"));
	assert_false(HAS("P0001235"));
	assert_false(HAS("eb0b2900e8c5552d0bba162a6ba537070b0368d3423a0ec61e382361341e2933"));
	assert_false(HAS(""));
	/* a number is matched whole: its digits meet numeric identifiers */
	assert_false(HAS("9123456789"));
	assert_false(HAS("123456789.5"));
	assert_false(HAS("-1.2345678e3"));
	idindex_free(&ix);
}

static void test_table(void **state)
{
	static const char csv[] =
		"label,n\n"
		"first,12\n"
		"\"xx,P0001234,1966\",12\n"
		"third,12\n";
	static const char hdr[] = "P0001234 count,n\nA,12\n";
	char path[128];
	struct idindex ix;
	struct csv_table t;
	struct trex_err err = {0};
	size_t row = 99, col = 99;

	snprintf(path, sizeof(path), "%s/ids.bin", tdir_path);
	ix_make(&ix, path);
	assert_int_equal(csv_parse_mem(csv, sizeof(csv) - 1, "t.csv", &t, &err), 0);
	assert_int_equal(idindex_scan_table(&ix, &t, &row, &col), 1);
	assert_int_equal(row, 2);
	assert_int_equal(col, 0);
	csv_free(&t);
	assert_int_equal(csv_parse_mem(hdr, sizeof(hdr) - 1, "t.csv", &t, &err), 0);
	assert_int_equal(idindex_scan_table(&ix, &t, &row, &col), 1);
	assert_int_equal(row, 0);
	csv_free(&t);
	idindex_free(&ix);
}

/* A text longer than a chunk (64 KiB), the identifier across the cut. */
static void test_text_across_chunks(void **state)
{
	char path[128], txt[128];
	struct idindex ix;
	struct trex_err err = {0};
	size_t line = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ids.bin", tdir_path);
	snprintf(txt, sizeof(txt), "%s/t.txt", tdir_path);
	ix_make(&ix, path);
	f = fopen(txt, "w");
	assert_non_null(f);
	for (int i = 0; i < 65536 - 4 - 3; i++)
		fputc(i % 80 == 79 ? '\n' : 'z', f);
	/* 819 line breaks above; the id starts 4 bytes before the cut,
	 * glued to the z's (no token of its own) */
	fputs("P0001234zzz\n", f);
	fclose(f);
	assert_int_equal(idindex_scan_text(&ix, txt, &line, &err), 1);
	assert_int_equal(line, 65529 / 80 + 1);
	/* nothing in it: no hit */
	f = fopen(txt, "w");
	for (int i = 0; i < 200000; i++)
		fputc(i % 70 == 69 ? '\n' : "P000123 "[i % 8], f);
	fclose(f);
	assert_int_equal(idindex_scan_text(&ix, txt, &line, &err), 0);
	/* a short identifier as a token of free text */
	f = fopen(txt, "w");
	fputs("one\ntwo\nsee Q7.\n", f);
	fclose(f);
	assert_int_equal(idindex_scan_text(&ix, txt, &line, &err), 1);
	assert_int_equal(line, 3);
	idindex_free(&ix);
}

/* A cached index of the first format must be rebuilt, not read. */
static void test_old_format_refused(void **state)
{
	char path[128];
	struct idindex ix;
	struct trex_err err = {0};
	uint64_t count = 1, h = 42;
	FILE *f;

	snprintf(path, sizeof(path), "%s/old.bin", tdir_path);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("TREXIDS1", 8, 1, f);
	fwrite(&count, 8, 1, f);
	fwrite(&h, 8, 1, f);
	fclose(f);
	assert_int_equal(idindex_load(path, &ix, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not an identifier index"));
	/* and a truncated one */
	snprintf(path, sizeof(path), "%s/ids.bin", tdir_path);
	ix_make(&ix, path);
	idindex_free(&ix);
	assert_int_equal(truncate(path, 8 + 8 + 4 + 4 + 8 + 100), 0);
	assert_int_equal(idindex_load(path, &ix, &err), -EINVAL);
}

/* Two builds draw two bases: the hashes of one dataset differ. */
static void test_random_base(void **state)
{
	char a[128], b[128];
	struct idindex x, y;

	snprintf(a, sizeof(a), "%s/a.bin", tdir_path);
	snprintf(b, sizeof(b), "%s/b.bin", tdir_path);
	ix_make(&x, a);
	ix_make(&y, b);
	assert_true(x.base != y.base);
	idindex_free(&x);
	idindex_free(&y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_table, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_text_across_chunks, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_old_format_refused, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_random_base, tdir_setup, tdir_teardown),
	};
	return cmocka_run_group_tests_name("check_idindex", tests, NULL, NULL);
}
