/* Durable, bounded file I/O. */
#ifndef TREX_FSUTIL_H
#define TREX_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Write data to dirfd/name through a temporary file, fsync it, rename it into
 * place and fsync the directory: after return the file is whole or absent. */
int trex_write_file_atomic(int dirfd, const char *name, const void *data,
			   size_t len, mode_t mode, struct trex_err *err);

/* Read a whole file of at most max bytes (NUL-terminated, caller frees with
 * trex_free). -EFBIG when larger. dirfd may be AT_FDCWD. */
int trex_read_file(int dirfd, const char *path, size_t max, char **out,
		   size_t *len, struct trex_err *err);

/* write() all of it, retrying on EINTR and short writes. */
int trex_write_all(int fd, const void *data, size_t len);

/* A folder made 0700 (*made set) or already there and empty: an fd of
 * it (O_DIRECTORY, not followed when a symlink). -EEXIST when it holds
 * something, whose first name (at most 64 bytes) goes into first (may be
 * NULL); err names the path. */
int trex_open_empty_dir(const char *path, int *made, char *first, size_t first_size,
			struct trex_err *err);

/* mkdir -p with mode; existing directories are fine. */
int trex_mkdir_p(const char *path, mode_t mode, struct trex_err *err);

#endif
