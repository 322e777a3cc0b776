/* The population model behind trex-synth: who the patients are and what
 * care they get. Plain tables and small sampling functions, separate from
 * the CSV writing. */
#ifndef TREX_SYNTH_MODEL_H
#define TREX_SYNTH_MODEL_H

#include <stdint.h>

#include "bench/synth/rng.h"

enum synth_ald {
	SYNTH_ALD_DIABETES = 1 << 0,
	SYNTH_ALD_CANCER = 1 << 1,
	SYNTH_ALD_CARDIO = 1 << 2,
};

struct synth_patient {
	char id[65];
	unsigned age;        /* on 1 January of SYNTH_YEAR0 + 2 */
	unsigned birth_year;
	unsigned sex;        /* 1 male, 2 female (SNDS coding) */
	const char *departement;
	unsigned ald;        /* enum synth_ald bits */
	unsigned first_day;  /* first day of the window the patient is alive */
};

struct synth_drug {
	const char *atc;
	uint32_t cents;      /* price of one box */
};

void synth_model_patient(struct synth_rng *r, struct synth_patient *p);
unsigned synth_model_stay_count(struct synth_rng *r, const struct synth_patient *p);
unsigned synth_model_dispensation_count(struct synth_rng *r, const struct synth_patient *p);
const char *synth_model_diagnosis(struct synth_rng *r, const struct synth_patient *p);
/* Length of stay in days (0 = day case). */
unsigned synth_model_length_of_stay(struct synth_rng *r, const struct synth_patient *p);
const struct synth_drug *synth_model_drug(struct synth_rng *r, const struct synth_patient *p,
					  unsigned *quantity);

#endif
