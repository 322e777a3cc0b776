/* trex-synth: a synthetic, SNDS-like pseudonymised extract (patients,
 * hospital stays, pharmacy dispensations) as CSV, deterministic from a
 * seed. It has realistic skews (age pyramid, prevalence of long-term
 * conditions rising with age, small departements) so that crosstabs of it
 * have small cells for the disclosure checks to find. No real person's data
 * is involved. */
#ifndef TREX_SYNTH_H
#define TREX_SYNTH_H

#include <stdint.h>

#include "common/err.h"

#define SYNTH_MAX_PATIENTS 100000000ull

/* The first calendar year of the extract's window (two years long). */
#define SYNTH_YEAR0 2022
#define SYNTH_WINDOW_DAYS 730

struct synth_opts {
	uint64_t seed;
	uint64_t patients;
	const char *out_dir; /* created (0755) when missing */
};

struct synth_counts {
	uint64_t patients;
	uint64_t stays;
	uint64_t dispensations;
};

/* Write patients.csv, hospital_stays.csv, dispensations.csv into out_dir. */
int synth_generate(const struct synth_opts *opts, struct synth_counts *counts,
		   struct trex_err *err);

/* The pseudonymised id of patient idx: 64 lowercase hex digits and a NUL,
 * like the hashed identifiers of SNDS extracts. */
void synth_patient_id(uint64_t seed, uint64_t idx, char out[65]);

#endif
