/* Population and care model. Figures are rough orders of magnitude for
 * France (INSEE age pyramid, departement populations in units of ~10,000
 * inhabitants, ALD prevalence rising steeply with age), enough to make
 * tables look like real ones: big cells in the middle, small ones for the
 * very old, the overseas departements, Lozère or Corsica. */
#include "model.h"

#include <math.h>
#include <stddef.h>

#include "bench/synth/synth.h"

struct weighted {
	const char *code;
	uint32_t weight;
};

/* Population by five-year age band, 0-4 to 95-99 (hundreds of thousands). */
static const uint32_t age_bands[] = { 35, 39, 42, 42, 38, 37, 40, 43, 42, 44,
				      44, 44, 42, 39, 37, 27, 20, 14, 7, 2 };

static const struct weighted departements[] = {
	{ "01", 66 }, { "02", 53 }, { "03", 33 }, { "04", 16 }, { "05", 14 },
	{ "06", 110 }, { "07", 33 }, { "08", 27 }, { "09", 15 }, { "10", 31 },
	{ "11", 38 }, { "12", 28 }, { "13", 205 }, { "14", 70 }, { "15", 14 },
	{ "16", 35 }, { "17", 66 }, { "18", 30 }, { "19", 24 }, { "2A", 16 },
	{ "2B", 18 }, { "21", 53 }, { "22", 60 }, { "23", 11 }, { "24", 41 },
	{ "25", 54 }, { "26", 52 }, { "27", 60 }, { "28", 43 }, { "29", 92 },
	{ "30", 75 }, { "31", 145 }, { "32", 19 }, { "33", 165 }, { "34", 120 },
	{ "35", 110 }, { "36", 22 }, { "37", 61 }, { "38", 128 }, { "39", 26 },
	{ "40", 41 }, { "41", 33 }, { "42", 76 }, { "43", 23 }, { "44", 145 },
	{ "45", 68 }, { "46", 17 }, { "47", 33 }, { "48", 8 }, { "49", 82 },
	{ "50", 49 }, { "51", 57 }, { "52", 17 }, { "53", 31 }, { "54", 73 },
	{ "55", 18 }, { "56", 76 }, { "57", 105 }, { "58", 20 }, { "59", 260 },
	{ "60", 83 }, { "61", 28 }, { "62", 145 }, { "63", 66 }, { "64", 68 },
	{ "65", 23 }, { "66", 48 }, { "67", 115 }, { "68", 77 }, { "69", 190 },
	{ "70", 23 }, { "71", 55 }, { "72", 57 }, { "73", 44 }, { "74", 83 },
	{ "75", 210 }, { "76", 125 }, { "77", 145 }, { "78", 145 }, { "79", 37 },
	{ "80", 57 }, { "81", 39 }, { "82", 26 }, { "83", 108 }, { "84", 56 },
	{ "85", 69 }, { "86", 44 }, { "87", 37 }, { "88", 36 }, { "89", 33 },
	{ "90", 14 }, { "91", 130 }, { "92", 165 }, { "93", 165 }, { "94", 140 },
	{ "95", 125 }, { "971", 38 }, { "972", 35 }, { "973", 29 }, { "974", 87 },
	{ "976", 30 },
};

/* Main diagnoses (ICD-10, 3 characters as in PMSI summaries). */
static const struct weighted dx_general[] = {
	{ "J18", 30 }, { "K35", 12 }, { "K80", 18 }, { "M17", 15 }, { "N39", 14 },
	{ "R07", 16 }, { "I63", 10 }, { "F32", 9 }, { "K57", 8 }, { "Z51", 20 },
	{ "I10", 8 }, { "H25", 25 }, { "G47", 7 }, { "S06", 6 }, { "K40", 10 },
};
static const struct weighted dx_child[] = {
	{ "J21", 20 }, { "A09", 15 }, { "J35", 12 }, { "S52", 8 }, { "K35", 10 }, { "J45", 6 },
};
static const struct weighted dx_birth[] = { { "O80", 3 }, { "O82", 1 }, { "O42", 1 } };
static const struct weighted dx_old[] = {
	{ "S72", 10 }, { "I50", 12 }, { "J18", 10 }, { "N17", 4 }, { "E86", 4 }, { "H25", 8 },
};
static const struct weighted dx_diabetes[] = { { "E11", 8 }, { "E10", 1 }, { "L97", 1 } };
static const struct weighted dx_cancer[] = {
	{ "C50", 6 }, { "C34", 5 }, { "C18", 4 }, { "C61", 5 }, { "Z51", 8 }, { "C67", 2 },
};
static const struct weighted dx_cardio[] = {
	{ "I21", 5 }, { "I50", 6 }, { "I48", 6 }, { "I25", 4 }, { "I20", 2 },
};

static const struct synth_drug drugs_general[] = {
	{ "N02BE01", 195 }, { "J01CA04", 310 }, { "M01AE01", 185 }, { "R03AC02", 420 },
	{ "N06AB10", 780 }, { "A02BC01", 530 }, { "R06AE07", 210 }, { "H03AA01", 240 },
	{ "N05BA12", 170 }, { "D07AC01", 300 }, { "J01CR02", 590 }, { "N02AJ13", 260 },
};
static const uint32_t drugs_general_w[] = { 40, 12, 10, 5, 5, 8, 5, 5, 4, 3, 4, 4 };
static const struct synth_drug drugs_diabetes[] = {
	{ "A10BA02", 312 }, { "A10BD07", 2950 }, { "A10AE04", 4570 }, { "A10BB12", 480 },
	{ "A10BJ02", 7200 },
};
static const uint32_t drugs_diabetes_w[] = { 10, 3, 3, 2, 1 };
static const struct synth_drug drugs_cardio[] = {
	{ "C10AA05", 1135 }, { "C10AA01", 640 }, { "C07AB07", 420 }, { "B01AC06", 230 },
	{ "C09AA05", 390 }, { "C03CA01", 230 }, { "B01AF01", 5230 },
};
static const uint32_t drugs_cardio_w[] = { 6, 3, 5, 6, 4, 2, 3 };
static const struct synth_drug drugs_cancer[] = {
	{ "L02BG03", 2890 }, { "L02BA01", 1190 }, { "L01EA01", 90000 }, { "A04AA01", 1650 },
	{ "L02BB03", 31000 },
};
static const uint32_t drugs_cancer_w[] = { 5, 3, 1, 4, 1 };

static size_t model_pick_u32(struct synth_rng *r, const uint32_t *w, size_t n)
{
	uint32_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += w[i];
	uint32_t x = synth_rng_below(r, total);
	for (size_t i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

static const char *model_pick(struct synth_rng *r, const struct weighted *w, size_t n)
{
	uint32_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += w[i].weight;
	uint32_t x = synth_rng_below(r, total);
	for (size_t i = 0; i < n; i++) {
		if (x < w[i].weight)
			return w[i].code;
		x -= w[i].weight;
	}
	return w[n - 1].code;
}
#define MODEL_PICK(r, table) model_pick((r), (table), sizeof(table) / sizeof((table)[0]))

/* Knuth's method: fine for the small means used here (< 40). */
static unsigned model_poisson(struct synth_rng *r, double mean)
{
	double limit = exp(-mean), p = 1.0;
	unsigned k = 0;
	do {
		k++;
		p *= synth_rng_unit(r);
	} while (p > limit && k < 200);
	return k - 1;
}

/* Prevalence of each ALD by age; men have more diabetes and heart disease. */
static double model_ald_rate(unsigned ald, unsigned age, unsigned sex)
{
	static const unsigned cuts[] = { 20, 40, 60, 75 };
	static const double diabetes[] = { 0.002, 0.008, 0.05, 0.12, 0.14 };
	static const double cancer[] = { 0.001, 0.005, 0.025, 0.06, 0.08 };
	static const double cardio[] = { 0.0005, 0.003, 0.025, 0.08, 0.16 };
	size_t g = 0;
	while (g < 4 && age >= cuts[g])
		g++;
	switch (ald) {
	case SYNTH_ALD_DIABETES:
		return diabetes[g] * (sex == 1 ? 1.2 : 0.85);
	case SYNTH_ALD_CANCER:
		return cancer[g];
	default:
		return cardio[g] * (sex == 1 ? 1.4 : 0.7);
	}
}

void synth_model_patient(struct synth_rng *r, struct synth_patient *p)
{
	size_t band = model_pick_u32(r, age_bands, sizeof(age_bands) / sizeof(age_bands[0]));
	p->age = (unsigned)band * 5 + synth_rng_below(r, 5);
	p->birth_year = SYNTH_YEAR0 + 1 - p->age;
	/* women outlive men: the sex ratio tilts with age */
	double female = p->age < 60 ? 0.49 : p->age < 80 ? 0.53 : 0.63;
	p->sex = synth_rng_unit(r) < female ? 2 : 1;
	p->departement = MODEL_PICK(r, departements);
	p->ald = 0;
	static const unsigned alds[] = { SYNTH_ALD_DIABETES, SYNTH_ALD_CANCER, SYNTH_ALD_CARDIO };
	for (size_t i = 0; i < 3; i++)
		if (synth_rng_unit(r) < model_ald_rate(alds[i], p->age, p->sex))
			p->ald |= alds[i];
	/* no care before birth: babies born inside the window start later */
	p->first_day = p->birth_year >= SYNTH_YEAR0
			       ? (p->birth_year - SYNTH_YEAR0) * 365 + synth_rng_below(r, 365)
			       : 0;
	if (p->first_day >= SYNTH_WINDOW_DAYS)
		p->first_day = SYNTH_WINDOW_DAYS - 1;
}

static unsigned model_ald_count(unsigned ald)
{
	return (unsigned)__builtin_popcount(ald);
}

unsigned synth_model_stay_count(struct synth_rng *r, const struct synth_patient *p)
{
	double mean = p->age < 5 ? 0.25 : p->age < 60 ? 0.15 : p->age < 75 ? 0.35 : 0.7;
	if (p->sex == 2 && p->age >= 18 && p->age < 45)
		mean += 0.08; /* childbirth */
	mean += 0.6 * model_ald_count(p->ald);
	return model_poisson(r, mean);
}

unsigned synth_model_dispensation_count(struct synth_rng *r, const struct synth_patient *p)
{
	double mean = p->age < 15 ? 3 : p->age < 60 ? 4 : p->age < 75 ? 8 : 12;
	/* a chronic treatment is dispensed about monthly */
	mean += 9.0 * model_ald_count(p->ald);
	return model_poisson(r, mean);
}

const char *synth_model_diagnosis(struct synth_rng *r, const struct synth_patient *p)
{
	if (p->ald && synth_rng_unit(r) < 0.55) {
		unsigned pick[3], n = 0;
		for (unsigned b = 0; b < 3; b++)
			if (p->ald & (1u << b))
				pick[n++] = 1u << b;
		/* cppcheck-suppress uninitvar ; p->ald holds only the three enum synth_ald bits, so n >= 1 here */
		switch (pick[synth_rng_below(r, n)]) {
		case SYNTH_ALD_DIABETES:
			return MODEL_PICK(r, dx_diabetes);
		case SYNTH_ALD_CANCER:
			return MODEL_PICK(r, dx_cancer);
		default:
			return MODEL_PICK(r, dx_cardio);
		}
	}
	if (p->age < 15)
		return MODEL_PICK(r, dx_child);
	if (p->sex == 2 && p->age >= 18 && p->age < 45 && synth_rng_unit(r) < 0.35)
		return MODEL_PICK(r, dx_birth);
	if (p->age >= 75 && synth_rng_unit(r) < 0.4)
		return MODEL_PICK(r, dx_old);
	return MODEL_PICK(r, dx_general);
}

unsigned synth_model_length_of_stay(struct synth_rng *r, const struct synth_patient *p)
{
	if (synth_rng_unit(r) < (p->age < 60 ? 0.5 : 0.35))
		return 0;
	/* geometric, longer for the old, capped at three months */
	double mean = p->age < 60 ? 3.5 : 7.0;
	unsigned los = 1 + (unsigned)(-log(1.0 - synth_rng_unit(r)) * mean);
	return los > 90 ? 90 : los;
}

const struct synth_drug *synth_model_drug(struct synth_rng *r, const struct synth_patient *p,
					  unsigned *quantity)
{
	const struct synth_drug *d;
	int chronic = 0;
	if (p->ald && synth_rng_unit(r) < 0.7) {
		chronic = 1;
		if ((p->ald & SYNTH_ALD_DIABETES) && synth_rng_unit(r) < 0.5)
			d = &drugs_diabetes[model_pick_u32(r, drugs_diabetes_w, 5)];
		else if ((p->ald & SYNTH_ALD_CARDIO) && synth_rng_unit(r) < 0.6)
			d = &drugs_cardio[model_pick_u32(r, drugs_cardio_w, 7)];
		else if (p->ald & SYNTH_ALD_CANCER)
			d = &drugs_cancer[model_pick_u32(r, drugs_cancer_w, 5)];
		else if (p->ald & SYNTH_ALD_DIABETES)
			d = &drugs_diabetes[model_pick_u32(r, drugs_diabetes_w, 5)];
		else
			d = &drugs_cardio[model_pick_u32(r, drugs_cardio_w, 7)];
	} else {
		d = &drugs_general[model_pick_u32(r, drugs_general_w, 12)];
	}
	/* chronic treatments come in 1- or 3-month packs */
	uint32_t x = synth_rng_below(r, 10);
	*quantity = chronic ? (x < 6 ? 1 : 3) : (x < 7 ? 1 : x < 9 ? 2 : 3);
	return d;
}
