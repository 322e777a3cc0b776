#include "buf.h"
#include "alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void trex_buf_init(struct trex_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int buf_reserve(struct trex_buf *b, size_t extra)
{
	if (extra > (size_t)-1 - b->len - 1)
		return -EFBIG;
	size_t need = b->len + extra + 1;
	if (b->max && b->len + extra > b->max)
		return -EFBIG;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	char *d = trex_realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int trex_buf_append(struct trex_buf *b, const void *data, size_t len)
{
	int r = buf_reserve(b, len);
	if (r < 0)
		return r;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int trex_buf_printf(struct trex_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	int r = buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void trex_buf_reset(struct trex_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void trex_buf_free(struct trex_buf *b)
{
	trex_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *trex_buf_steal(struct trex_buf *b, size_t *len)
{
	if (!b->data && buf_reserve(b, 0) < 0)
		return NULL;
	char *d = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}
