/* The codebook format, TREXCB1 (docs/datasets.md, CONTRACTS.md 6): what a
 * researcher is told of a dataset's shape. Written by trex-check
 * (policies/check/codebook.c, "source": "derived") or by the operator (a
 * dataset's "codebook" key, "source": "operator"); checked here by its
 * one reader, shared by trexd (at config load, and before serving) and
 * `trex dummy` (before generating from it):
 *
 *   {"format": "TREXCB1", "source": "derived"|"operator", "threshold": 10,
 *    "description": "...",
 *    "files": [{"name": "patients.csv", "rows": 1200, "description": "...",
 *               "columns": [{"name": "sex", "type": "integer",
 *                            "missing": false, "values": ["1", "2"],
 *                            "suppressed": "threshold", "range": [0, 99],
 *                            "format": "hex", "length": 64,
 *                            "description": "..."}]}]}
 *
 * type: identifier, integer, number, date, string or empty. "range" of
 * an integer or number column: two numbers, low <= high; of a date
 * column: two months "YYYY-MM". "format" and "length" belong to
 * identifier columns only (never "values" or "range"). */
#ifndef TREX_CODEBOOK_FMT_H
#define TREX_CODEBOOK_FMT_H

#include <jansson.h>

#include "err.h"

#define CODEBOOK_FORMAT "TREXCB1"
#define CODEBOOK_TYPE_ID "identifier"
/* the rule (common/sdcvocab.c) by which values or a range are withheld */
#define CODEBOOK_SUPPRESSED_RULE "threshold"
#define CODEBOOK_MAX_FILES 1000
#define CODEBOOK_MAX_COLUMNS 256
#define CODEBOOK_MAX_VALUES 1000
#define CODEBOOK_MAX_VALUE_LEN 4096
#define CODEBOOK_MAX_BYTES (16u << 20)

/* 0 when root is a codebook as above, else -EINVAL with err naming
 * `where` (a file, or "codebook") and the key at fault, e.g.
 * "x.json: files[0].columns[2].type: ..."; a name or value of the
 * codebook is never quoted but for an unknown key. */
int codebook_fmt_check(json_t *root, const char *where, struct trex_err *err);

/* A path relative to the dummy dataset's folder: no '/' at either end,
 * no empty, "." or ".." component, no component starting with '.',
 * ending in ".csv". */
int codebook_fmt_file_ok(const char *name);

/* A column name a CSV header carries as it is (the dummy writes it
 * unquoted): 1-255 bytes, no comma, quote or control character. */
int codebook_fmt_column_ok(const char *name);

#endif
