/* Unit tests for bench/synth: the extract is a pure function of the seed
 * and size, ids look like SNDS pseudonyms, row counts are what the
 * generator reports, and the values stay in their domains. */
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

#include "bench/synth/synth.h"
#include "common/alloc.h"
#include "common/fsutil.h"

static const char *const tables[] = { "patients.csv", "hospital_stays.csv",
				      "dispensations.csv" };

static char *read_table(const char *dir, const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *data = NULL;
	struct trex_err err;
	assert_int_equal(trex_read_file(AT_FDCWD, path, 1u << 30, &data, len, &err), 0);
	return data;
}

static void make_extract(char *dir, uint64_t seed, uint64_t patients, struct synth_counts *c)
{
	snprintf(dir, 64, "%s", "/tmp/trex-test-synth.XXXXXX"); /* callers pass char[64] */
	assert_non_null(mkdtemp(dir));
	struct synth_opts o = { .seed = seed, .patients = patients, .out_dir = dir };
	struct trex_err err = { 0 };
	int r = synth_generate(&o, c, &err);
	if (r != 0)
		fail_msg("synth_generate: %s", err.msg);
}

static void remove_extract(const char *dir)
{
	char path[512];
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, tables[i]);
		unlink(path);
	}
	rmdir(dir);
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

static void test_same_seed_same_bytes(void **state)
{
	char a[64], b[64], c[64];
	struct synth_counts ca, cb, cc;
	make_extract(a, 42, 700, &ca);
	make_extract(b, 42, 700, &cb);
	make_extract(c, 43, 700, &cc);
	for (size_t i = 0; i < 3; i++) {
		size_t la, lb, lc;
		char *da = read_table(a, tables[i], &la);
		char *db = read_table(b, tables[i], &lb);
		char *dc = read_table(c, tables[i], &lc);
		assert_int_equal(la, lb);
		assert_memory_equal(da, db, la);
		/* another seed gives another extract */
		assert_true(la != lc || memcmp(da, dc, la) != 0);
		trex_free(da);
		trex_free(db);
		trex_free(dc);
	}
	assert_int_equal(ca.stays, cb.stays);
	assert_int_equal(ca.dispensations, cb.dispensations);
	remove_extract(a);
	remove_extract(b);
	remove_extract(c);
}

static void test_patient_rows_stable_when_bigger(void **state)
{
	/* patient k's row does not depend on how many patients follow */
	char a[64], b[64];
	struct synth_counts ca, cb;
	make_extract(a, 9, 50, &ca);
	make_extract(b, 9, 500, &cb);
	size_t la, lb;
	char *da = read_table(a, "patients.csv", &la);
	char *db = read_table(b, "patients.csv", &lb);
	assert_true(lb > la);
	assert_memory_equal(da, db, la);
	trex_free(da);
	trex_free(db);
	remove_extract(a);
	remove_extract(b);
}

static int is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void test_ids_and_domains(void **state)
{
	char dir[64];
	struct synth_counts c;
	make_extract(dir, 1, 2000, &c);
	size_t len;
	char *d = read_table(dir, "patients.csv", &len);
	assert_int_equal(c.patients, 2000);
	assert_int_equal(count_lines(d, len), 2001);
	assert_memory_equal(d, "patient_id,birth_year,sex,departement,ald_diabetes,ald_cancer,ald_cardio\n", 73);
	char *line = strchr(d, '\n') + 1;
	size_t n = 0, women = 0, old = 0;
	while (*line) {
		char *end = strchr(line, '\n');
		assert_non_null(end);
		*end = '\0';
		assert_true(is_hex64(line));
		assert_int_equal(line[64], ',');
		int year, sex, dia, can, car;
		char dep[8];
		assert_int_equal(sscanf(line + 65, "%d,%d,%7[0-9AB],%d,%d,%d", &year, &sex, dep,
					&dia, &can, &car), 6);
		assert_true(year >= 1920 && year <= SYNTH_YEAR0 + 1);
		assert_true(sex == 1 || sex == 2);
		assert_true(strlen(dep) == 2 || (strlen(dep) == 3 && dep[0] == '9' && dep[1] == '7'));
		assert_true(dia == 0 || dia == 1);
		women += sex == 2;
		old += year <= SYNTH_YEAR0 + 1 - 75;
		n++;
		line = end + 1;
	}
	assert_int_equal(n, 2000);
	/* a population, not uniform noise: about half women, under 15% over 75 */
	assert_in_range(women, 900, 1150);
	assert_in_range(old, 60, 300);
	trex_free(d);

	char id1[65], id2[65];
	synth_patient_id(1, 0, id1);
	synth_patient_id(1, 1, id2);
	assert_true(is_hex64(id1) && id1[64] == '\0');
	assert_string_not_equal(id1, id2);
	remove_extract(dir);
}

static void test_counts_match_files(void **state)
{
	char dir[64];
	struct synth_counts c;
	make_extract(dir, 5, 3000, &c);
	size_t len;
	char *s = read_table(dir, "hospital_stays.csv", &len);
	assert_int_equal(count_lines(s, len), c.stays + 1);
	/* discharge never before admission ("YYYY-MM-DD" compares as text) */
	char *line = strchr(s, '\n') + 1;
	while (*line) {
		char *end = strchr(line, '\n');
		*end = '\0';
		char *in = strchr(line + 65, ',') + 1;
		char *out = in + 11;
		assert_true(strncmp(out, in, 10) >= 0);
		line = end + 1;
	}
	trex_free(s);
	char *p = read_table(dir, "dispensations.csv", &len);
	assert_int_equal(count_lines(p, len), c.dispensations + 1);
	trex_free(p);
	/* proportional to the patients: roughly 0.3 stays and 6 dispensations each */
	assert_in_range(c.stays, 3000 / 10, 3000);
	assert_in_range(c.dispensations, 3000 * 3, 3000 * 12);
	struct stat st;
	char path[128];
	snprintf(path, sizeof(path), "%s/patients.csv", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	remove_extract(dir);
}

static void test_rejects_zero_patients(void **state)
{
	struct synth_opts o = { .seed = 1, .patients = 0, .out_dir = "/tmp/never-created-trex" };
	struct synth_counts c;
	struct trex_err err = { 0 };
	assert_int_equal(synth_generate(&o, &c, &err), -EINVAL);
	assert_int_not_equal(access("/tmp/never-created-trex", F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_bytes),
		cmocka_unit_test(test_patient_rows_stable_when_bigger),
		cmocka_unit_test(test_ids_and_domains),
		cmocka_unit_test(test_counts_match_files),
		cmocka_unit_test(test_rejects_zero_patients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
