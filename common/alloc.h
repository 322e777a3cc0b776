/* All heap allocation goes through these wrappers so that a test can make the
 * Nth allocation fail (curl/SQLite style) and check every error path. They
 * return NULL on failure like malloc; callers must handle it. */
#ifndef TREX_ALLOC_H
#define TREX_ALLOC_H

#include <stddef.h>

void *trex_malloc(size_t size);
void *trex_calloc(size_t n, size_t size);
void *trex_realloc(void *p, size_t size);
/* Like reallocarray: fails with NULL on n*size overflow. */
void *trex_reallocarray(void *p, size_t n, size_t size);
/* The array whose address is pp (a T **) to n elements of size bytes;
 * -ENOMEM leaves it as it was. For structures of several growing arrays. */
int trex_resize_array(void *pp, size_t n, size_t size);
char *trex_strdup(const char *s);
char *trex_strndup(const char *s, size_t n);
void trex_free(void *p);

/* Test hook: make the nth allocation from now fail (1 = the next one);
 * 0 disables. Returns how many allocations happened since the last call. */
unsigned long trex_alloc_fail_at(unsigned long nth);

#endif
