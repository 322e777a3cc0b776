/* The code bundle of a submission: every regular file under a folder, read
 * with hard caps, as {"relpath": "<base64>"} for POST /v1/jobs. */
#ifndef TREX_AGENT_BUNDLE_H
#define TREX_AGENT_BUNDLE_H

#include <sys/types.h>

#include <jansson.h>

#include "common/err.h"

#define BUNDLE_MAX_BYTES (32u << 20)
#define BUNDLE_MAX_FILES 1000
#define BUNDLE_MAX_DEPTH 16
#define BUNDLE_MAX_PATH 1024

/* Files never uploaded as code: the manifest, the permit. */
struct bundle_skip {
	dev_t dev;
	ino_t ino;
};

/* Fill *files (a new JSON object) with the files under dir. Dotfiles and
 * dot-folders are skipped, as are the manifest and anything that is not a
 * regular file or folder (symlinks are not followed; a note goes to
 * stderr). *nbytes receives the raw total. */
int bundle_collect(const char *dir, const struct bundle_skip *skip, size_t nskip,
		   json_t **files, size_t *nbytes, struct trex_err *err);

/* 1 when a relative path is one trexd accepts: no absolute path, no empty,
 * '.' or '..' component, no control characters. */
int bundle_relpath_ok(const char *rel);

#endif
