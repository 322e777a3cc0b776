/* A growable byte buffer with an optional hard cap, so every read of outside
 * input is bounded. */
#ifndef TREX_BUF_H
#define TREX_BUF_H

#include <stddef.h>

struct trex_buf {
	char *data;  /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;  /* 0 = unbounded */
};

void trex_buf_init(struct trex_buf *b, size_t max);
/* 0, -ENOMEM, or -EFBIG when the cap would be exceeded (nothing appended). */
int trex_buf_append(struct trex_buf *b, const void *data, size_t len);
int trex_buf_printf(struct trex_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void trex_buf_reset(struct trex_buf *b);
void trex_buf_free(struct trex_buf *b);
/* Hand the data to the caller (who frees it with trex_free). */
char *trex_buf_steal(struct trex_buf *b, size_t *len);

#endif
