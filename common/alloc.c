#include "alloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned long alloc_count;
static unsigned long alloc_fail_nth;

static int alloc_should_fail(void)
{
	alloc_count++;
	return alloc_fail_nth != 0 && alloc_count == alloc_fail_nth;
}

unsigned long trex_alloc_fail_at(unsigned long nth)
{
	unsigned long n = alloc_count;
	alloc_count = 0;
	alloc_fail_nth = nth;
	return n;
}

void *trex_malloc(size_t size)
{
	if (alloc_should_fail())
		return NULL;
	return malloc(size ? size : 1);
}

void *trex_calloc(size_t n, size_t size)
{
	if (alloc_should_fail())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *trex_realloc(void *p, size_t size)
{
	if (alloc_should_fail())
		return NULL;
	return realloc(p, size ? size : 1);
}

void *trex_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return trex_realloc(p, n * size);
}

int trex_resize_array(void *pp, size_t n, size_t size)
{
	void *old, *grown;

	memcpy(&old, pp, sizeof(old));
	grown = trex_reallocarray(old, n, size);
	if (!grown)
		return -ENOMEM;
	memcpy(pp, &grown, sizeof(grown));
	return 0;
}

char *trex_strdup(const char *s)
{
	return trex_strndup(s, strlen(s));
}

char *trex_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = trex_malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void trex_free(void *p)
{
	free(p);
}
