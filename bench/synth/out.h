/* Buffered CSV output: rows are formatted straight into a large buffer
 * with no stdio and no locale, and written out in big write()s. This is
 * what makes tens of millions of rows a matter of seconds. */
#ifndef TREX_SYNTH_OUT_H
#define TREX_SYNTH_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"

#define SYNTH_OUT_BUF (1u << 20)
/* Longest row any table writes, with margin: flush before a row when less
 * than this is left, so appenders never check bounds. */
#define SYNTH_OUT_ROW_MAX 512

struct synth_out {
	int fd;
	char *buf;
	size_t len;
	uint64_t rows;
	char name[64];
};

/* Create dirfd/name (mode 0644, truncated) and write the header line. */
int synth_out_open(struct synth_out *o, int dirfd, const char *name,
		   const char *header, struct trex_err *err);
int synth_out_flush(struct synth_out *o, struct trex_err *err);
/* Flush, fsync and close; safe on a never-opened (fd -1) output. */
int synth_out_close(struct synth_out *o, struct trex_err *err);

/* Call once per row before appending it. */
static inline int synth_out_row(struct synth_out *o, struct trex_err *err)
{
	o->rows++;
	if (SYNTH_OUT_BUF - o->len < SYNTH_OUT_ROW_MAX)
		return synth_out_flush(o, err);
	return 0;
}

static inline void synth_out_mem(struct synth_out *o, const char *s, size_t n)
{
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static inline void synth_out_str(struct synth_out *o, const char *s)
{
	synth_out_mem(o, s, strlen(s));
}

static inline void synth_out_char(struct synth_out *o, char c)
{
	o->buf[o->len++] = c;
}

static inline void synth_out_u64(struct synth_out *o, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		o->buf[o->len++] = tmp[--n];
}

/* cents as euros with two decimals: 1234 -> "12.34" */
static inline void synth_out_cents(struct synth_out *o, uint64_t cents)
{
	synth_out_u64(o, cents / 100);
	synth_out_char(o, '.');
	synth_out_char(o, (char)('0' + cents / 10 % 10));
	synth_out_char(o, (char)('0' + cents % 10));
}

#endif
