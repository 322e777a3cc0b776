/* FNV-1a (64-bit): the one hash for in-memory tables keyed by strings
 * (codes, cells, domains, job ids). Not for anything an attacker gains
 * by colliding across runs: every table using it is bounded and probes. */
#ifndef TREX_FNV_H
#define TREX_FNV_H

#include <stddef.h>
#include <stdint.h>

#define TREX_FNV64_INIT 1469598103934665603ull

/* one byte (or a separator value) into h */
static inline uint64_t trex_fnv64_byte(uint64_t h, uint64_t b)
{
	return (h ^ b) * 1099511628211ull;
}

static inline uint64_t trex_fnv64_mem(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = trex_fnv64_byte(h, s[i]);
	return h;
}

static inline uint64_t trex_fnv64_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = trex_fnv64_byte(h, (unsigned char)*s);
	return h;
}

#endif
