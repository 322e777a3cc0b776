/* Scoped cleanup (systemd/crun style). An explicit hand-off is written as
 *   out = TREX_TAKE(p);
 * which nulls the scoped variable so its cleanup does nothing. */
#ifndef TREX_CLEANUP_H
#define TREX_CLEANUP_H

#include <stdio.h>
#include <unistd.h>
#include <errno.h>

#include "alloc.h"

static inline void trex_cleanup_free(void *p)
{
	trex_free(*(void **)p);
}

static inline void trex_cleanup_close(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void trex_cleanup_fclose(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(trex_cleanup_free)))
#define _cleanup_close_ __attribute__((cleanup(trex_cleanup_close)))
#define _cleanup_fclose_ __attribute__((cleanup(trex_cleanup_fclose)))

#define TREX_TAKE(p)                         \
	({                                   \
		__typeof__(p) trex_take_ = (p); \
		(p) = NULL;                  \
		trex_take_;                  \
	})

#define TREX_TAKE_FD(fd)             \
	({                           \
		int trex_take_fd_ = (fd); \
		(fd) = -1;           \
		trex_take_fd_;       \
	})

#define TREX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
