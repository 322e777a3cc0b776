/* The SACRO Viewer export (--acro-json DIR): the released copies of a run
 * in a folder of their own, with results.json, checksums/ and config.json
 * in the format ACRO 1.0 writes (docs/CONTRACTS.md section 2). */
#ifndef TREX_CHECK_ACRO_H
#define TREX_CHECK_ACRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "manifest.h"
#include "policy.h"
#include "sdc.h"

/* A released table: its place in the report, its declaration, and per
 * suppressed row the checks that hid it (a bit per acro.c check). */
struct acro_row {
	uint32_t row;   /* 0-based data row */
	uint32_t checks;
};

struct acro_file {
	size_t index;                    /* in the report's files: uid output_<index> */
	const struct output_decl *decl;  /* the caller's, alive until acro_write */
	char *file;                      /* the path as given */
	char *copy;                      /* the released copy, under --out */
	struct acro_row *rows;
	size_t nrows, cap;
};

/* trex rules without an ACRO counterpart that hid cells: named as such */
#define ACRO_MAX_OTHER 16

struct acro_export {
	const struct policy *pol;        /* the run's pack, alive until acro_write */
	char *dir;
	bool created;                    /* dir made by acro_open */
	struct acro_file *files;
	size_t n, cap;
	const char *other[ACRO_MAX_OTHER];
	size_t nother;
	char **written;                  /* names below dir, removed on failure */
	size_t nwritten, capwritten;
	/* --acro-max-mb: the copies and results.json may take this much (0:
	 * no bound); acro_write fails with -EFBIG rather than pass it */
	uint64_t max_bytes, bytes;
};

/* Make dir, the export's own folder: a new folder, or an empty one. */
int acro_open(struct acro_export *x, const char *dir, const struct policy *pol,
	      struct trex_err *err);
/* Keep what the export needs of a released table: the cells res hid
 * (actions primary, secondary, redacted) and by which rules. copy is the
 * released copy's path; decl must outlive acro_write. */
int acro_add(struct acro_export *x, size_t index, const struct output_decl *decl,
	     const char *file, const char *copy, const struct sdc_result *res,
	     struct trex_err *err);
/* Copy every released table into the folder and write results.json,
 * checksums/ and config.json. fsync'd unless no_sync. -EFBIG when that
 * would take more than max_bytes (acro_close(x, true) removes the part
 * written). */
int acro_write(struct acro_export *x, bool no_sync, struct trex_err *err);
/* Free x; when failed, remove what acro_open and acro_write made. */
void acro_close(struct acro_export *x, bool failed);

#endif
