/* A job's code bundle on disk: STATE/jobs/<id>/code/<relative paths>,
 * written from the upload and fsync'd before the job is acknowledged. */
#ifndef TREX_RUNNER_BUNDLE_H
#define TREX_RUNNER_BUNDLE_H

#include <jansson.h>

#include "err.h"

#define BUNDLE_MAX_FILES 1000

/* Check an upload's "files" object: at most 1000 entries, safe relative
 * names, no name that is also a folder of another, valid base64 whose
 * decoded total is at most max_bytes. */
int bundle_check(json_t *files, size_t max_bytes, struct trex_err *err);

/* Write the files into job_dir/code (job_dir is created, must not exist).
 * Every file and folder is fsync'd. When digests is an object, each file's
 * {"sha256", "size"} (common/jobdigest.h) is set in it under its name. */
int bundle_write(const char *job_dir, json_t *files, json_t *digests, struct trex_err *err);

/* Remove a job folder whose bundle could not be written. */
void bundle_remove(const char *job_dir);

#endif
