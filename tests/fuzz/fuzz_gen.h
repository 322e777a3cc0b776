/* The fuzz targets' table generators draw from this: the input's bytes
 * first, so that libFuzzer steers the choices it can see, then xorshift,
 * so that a short input still makes a whole table. */
#ifndef TREX_FUZZ_GEN_H
#define TREX_FUZZ_GEN_H

#include <stddef.h>
#include <stdint.h>

struct gen {
	const uint8_t *data;
	size_t size, pos;
	uint64_t x;
};

static inline uint32_t gen_next(struct gen *g)
{
	if (g->pos < g->size)
		g->x = g->x * 6364136223846793005ull + g->data[g->pos++] + 1;
	g->x ^= g->x << 13;
	g->x ^= g->x >> 7;
	g->x ^= g->x << 17;
	return (uint32_t)(g->x >> 16);
}

/* 0 .. n-1, 0 when n is 0 */
static inline uint32_t gen_below(struct gen *g, uint32_t n)
{
	return n ? gen_next(g) % n : 0;
}

#endif
