/* The generator's PRNG: xoshiro256** seeded through splitmix64 (Vigna's
 * recommended pairing). Fast, small state, and every patient gets its own
 * stream derived from (seed, patient index), so a patient's rows do not
 * depend on how many patients came before or on the generation order. */
#ifndef TREX_SYNTH_RNG_H
#define TREX_SYNTH_RNG_H

#include <stdint.h>

struct synth_rng {
	uint64_t s[4];
};

static inline uint64_t synth_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void synth_rng_seed(struct synth_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);
	for (int i = 0; i < 4; i++)
		r->s[i] = synth_splitmix64(&x);
}

static inline uint64_t synth_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t synth_rng_next(struct synth_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = synth_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = synth_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) (Lemire's multiply-shift; the bias is < n / 2^64). */
static inline uint32_t synth_rng_below(struct synth_rng *r, uint32_t n)
{
	return (uint32_t)(((unsigned __int128)synth_rng_next(r) * n) >> 64);
}

/* Uniform double in [0, 1). */
static inline double synth_rng_unit(struct synth_rng *r)
{
	return (double)(synth_rng_next(r) >> 11) * 0x1.0p-53;
}

#endif
