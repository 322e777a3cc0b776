/* Writes the three tables of the extract. Each patient's rows come from a
 * PRNG stream of its own, derived from (seed, patient index): the output is
 * a pure function of --seed and --patients, and a patient's rows stay the
 * same when the extract is made bigger. */
#include "synth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/synth/model.h"
#include "bench/synth/out.h"
#include "bench/synth/rng.h"
#include "common/cleanup.h"
#include "common/fsutil.h"

/* Room for the longest stay past the end of the window. */
#define GEN_DAYS (SYNTH_WINDOW_DAYS + 100)
/* Distinct stream keys so the pseudonym is not drawn from the same numbers
 * as the patient's attributes. */
#define GEN_ID_KEY 0x5eed1d5eed1d5eedull

struct gen_dates {
	char day[GEN_DAYS][11]; /* "YYYY-MM-DD" + NUL */
};

/* Howard Hinnant's days-to-civil, from 1 January SYNTH_YEAR0. */
static void gen_fill_dates(struct gen_dates *d)
{
	/* days from 1970-01-01 to 1 January SYNTH_YEAR0 (2022) */
	long base = 18993;
	for (unsigned i = 0; i < GEN_DAYS; i++) {
		long z = base + (long)i + 719468;
		long era = z / 146097;
		unsigned doe = (unsigned)(z - era * 146097);
		unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		long y = (long)yoe + era * 400;
		unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		unsigned mp = (5 * doy + 2) / 153;
		unsigned dd = doy - (153 * mp + 2) / 5 + 1;
		unsigned mm = mp < 10 ? mp + 3 : mp - 9;
		y += mm <= 2;
		snprintf(d->day[i], sizeof(d->day[i]), "%04ld-%02u-%02u", y, mm, dd);
	}
}

void synth_patient_id(uint64_t seed, uint64_t idx, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	struct synth_rng r;
	synth_rng_seed(&r, seed ^ GEN_ID_KEY, idx);
	for (int w = 0; w < 4; w++) {
		uint64_t v = synth_rng_next(&r);
		for (int i = 0; i < 16; i++)
			out[w * 16 + i] = hex[(v >> (60 - 4 * i)) & 15];
	}
	out[64] = '\0';
}

enum { GEN_PATIENTS, GEN_STAYS, GEN_DISPENSATIONS, GEN_NTABLES };

static int gen_patient(struct synth_out *t, const struct gen_dates *dates, uint64_t seed,
		       uint64_t idx, uint64_t *stay_seq, struct trex_err *err)
{
	struct synth_rng r;
	struct synth_patient p;
	synth_rng_seed(&r, seed, idx);
	synth_patient_id(seed, idx, p.id);
	synth_model_patient(&r, &p);

	struct synth_out *o = &t[GEN_PATIENTS];
	int rc = synth_out_row(o, err);
	if (rc < 0)
		return rc;
	synth_out_mem(o, p.id, 64);
	synth_out_char(o, ',');
	synth_out_u64(o, p.birth_year);
	synth_out_char(o, ',');
	synth_out_char(o, (char)('0' + p.sex));
	synth_out_char(o, ',');
	synth_out_str(o, p.departement);
	synth_out_mem(o, p.ald & SYNTH_ALD_DIABETES ? ",1" : ",0", 2);
	synth_out_mem(o, p.ald & SYNTH_ALD_CANCER ? ",1" : ",0", 2);
	synth_out_mem(o, p.ald & SYNTH_ALD_CARDIO ? ",1\n" : ",0\n", 3);

	unsigned span = SYNTH_WINDOW_DAYS - p.first_day;
	unsigned n = synth_model_stay_count(&r, &p);
	o = &t[GEN_STAYS];
	for (unsigned i = 0; i < n; i++) {
		unsigned in = p.first_day + synth_rng_below(&r, span);
		unsigned out = in + synth_model_length_of_stay(&r, &p);
		const char *dx = synth_model_diagnosis(&r, &p);
		if ((rc = synth_out_row(o, err)) < 0)
			return rc;
		synth_out_mem(o, p.id, 64);
		synth_out_char(o, ',');
		synth_out_u64(o, ++*stay_seq);
		synth_out_char(o, ',');
		synth_out_mem(o, dates->day[in], 10);
		synth_out_char(o, ',');
		synth_out_mem(o, dates->day[out], 10);
		synth_out_char(o, ',');
		synth_out_str(o, dx);
		synth_out_char(o, '\n');
	}

	n = synth_model_dispensation_count(&r, &p);
	o = &t[GEN_DISPENSATIONS];
	for (unsigned i = 0; i < n; i++) {
		unsigned day = p.first_day + synth_rng_below(&r, span);
		unsigned qty;
		const struct synth_drug *d = synth_model_drug(&r, &p, &qty);
		if ((rc = synth_out_row(o, err)) < 0)
			return rc;
		synth_out_mem(o, p.id, 64);
		synth_out_char(o, ',');
		synth_out_mem(o, dates->day[day], 10);
		synth_out_char(o, ',');
		synth_out_str(o, d->atc);
		synth_out_char(o, ',');
		synth_out_u64(o, qty);
		synth_out_char(o, ',');
		synth_out_cents(o, (uint64_t)d->cents * qty);
		synth_out_char(o, '\n');
	}
	return 0;
}

int synth_generate(const struct synth_opts *opts, struct synth_counts *counts,
		   struct trex_err *err)
{
	*counts = (struct synth_counts){ 0 };
	if (opts->patients == 0 || opts->patients > SYNTH_MAX_PATIENTS)
		return trex_err_setx(err, -EINVAL, "patients must be 1..%llu",
				     (unsigned long long)SYNTH_MAX_PATIENTS);
	struct stat st;
	int created = stat(opts->out_dir, &st) < 0;
	int r = trex_mkdir_p(opts->out_dir, 0755, err);
	if (r < 0)
		return r;
	/* a job's uid must be able to list the dataset whatever the umask */
	if (created && chmod(opts->out_dir, 0755) < 0)
		return trex_err_set(err, -errno, "chmod %s", opts->out_dir);
	_cleanup_close_ int dirfd = open(opts->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return trex_err_set(err, -errno, "open %s", opts->out_dir);

	_cleanup_free_ struct gen_dates *dates = trex_malloc(sizeof(*dates));
	if (!dates)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	gen_fill_dates(dates);

	static const char *const names[GEN_NTABLES] = { "patients.csv", "hospital_stays.csv",
							 "dispensations.csv" };
	static const char *const headers[GEN_NTABLES] = {
		"patient_id,birth_year,sex,departement,ald_diabetes,ald_cancer,ald_cardio",
		"patient_id,stay_id,admission_date,discharge_date,icd10_main",
		"patient_id,dispensation_date,atc_code,quantity,cost_eur",
	};
	struct synth_out t[GEN_NTABLES];
	for (int i = 0; i < GEN_NTABLES; i++)
		t[i] = (struct synth_out){ .fd = -1 };
	for (int i = 0; i < GEN_NTABLES && r == 0; i++)
		r = synth_out_open(&t[i], dirfd, names[i], headers[i], err);
	uint64_t stay_seq = 0;
	for (uint64_t idx = 0; r == 0 && idx < opts->patients; idx++)
		r = gen_patient(t, dates, opts->seed, idx, &stay_seq, err);
	for (int i = 0; i < GEN_NTABLES; i++) {
		struct trex_err cerr;
		int c = synth_out_close(&t[i], r == 0 ? err : &cerr);
		if (r == 0)
			r = c;
	}
	if (r < 0)
		return r;
	counts->patients = t[GEN_PATIENTS].rows;
	counts->stays = t[GEN_STAYS].rows;
	counts->dispensations = t[GEN_DISPENSATIONS].rows;
	return 0;
}
