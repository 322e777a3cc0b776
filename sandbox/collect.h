/* Output collection from the job's /output tmpfs (collect.c). */
#ifndef TREX_SANDBOX_COLLECT_H
#define TREX_SANDBOX_COLLECT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct sbx_collect_limits {
	uint64_t max_entries;  /* files collected + entries refused */
	uint64_t max_bytes;    /* total (and so per file) */
	unsigned max_depth;
};

struct sbx_collect_result {
	uint64_t files, bytes, refused;
	bool limit_hit;        /* a cap (count or size) refused something */
};

/* Copy regular files below src_root (an fd of the job's /output) into
 * dst_root; collected/refused lines go to status_fd. An error return means
 * the host side failed (cannot write the output dir), not a hostile entry. */
int sbx_collect(int src_root, int dst_root, const struct sbx_collect_limits *lim,
		int status_fd, struct sbx_collect_result *res, struct trex_err *err);
/* Names we copy: non-empty well-formed UTF-8 without control characters
 * (C0, DEL, C1) and not starting with '-'. */
bool sbx_collect_name_ok(const char *name);
/* Open --output: must be an existing empty directory (not a symlink). */
int sbx_output_dir_open(const char *path, struct trex_err *err);

#endif
