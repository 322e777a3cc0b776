/* A dataset's files as trexd checks them before serving jobs on it
 * (runner/dataset.c): every id column the configuration declares must be a
 * column of the dataset's CSV files (docs/config.md "datasets"). */
#ifndef TREX_RUNNER_DATASET_H
#define TREX_RUNNER_DATASET_H

#include "config.h"
#include "err.h"

/* A header line longer than this is an error, not a longer read. */
#define DATASET_HEADER_MAX (64 * 1024)

/* Called per CSV file: 0 to go on, 1 to stop the walk, or -errno with err
 * filled. */
typedef int (*dataset_csv_fn)(const char *path, void *ctx, struct trex_err *err);

/* The dataset's CSV files: every regular file named *.csv below its path,
 * symlinks not followed, in name order (the files trex-check
 * --build-id-index reads and idcache.c keys the index on). An unreadable
 * folder is an error. Returns fn's 1, or 0 when the walk ended. */
int dataset_walk_csv(const struct dataset *ds, dataset_csv_fn fn, void *ctx,
		     struct trex_err *err);

/* Every id column of ds is a field of the header line (the first line) of
 * at least one of its CSV files, split as the index builder splits it. An
 * error names the dataset, the first column found in no file, the folder
 * and the first files looked at; a header line over DATASET_HEADER_MAX
 * bytes is an error naming its file. No other header field, and nothing
 * after the header line, is read into a message. */
int dataset_check_id_columns(const struct dataset *ds, struct trex_err *err);

#endif
