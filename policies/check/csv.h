/* Strict RFC 4180 CSV reader for outputs under disclosure check. An output
 * comes from an untrusted job, so anything a spreadsheet would "guess" about
 * (stray quotes, ragged rows, blank lines, bad UTF-8, NUL bytes) is an error
 * naming file, line and column rather than a silently different table. */
#ifndef TREX_CHECK_CSV_H
#define TREX_CHECK_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define CSV_MAX_BYTES     (256u * 1024 * 1024)
#define CSV_MAX_COLS      256
#define CSV_MAX_FIELD_LEN (64u * 1024)
#define CSV_MAX_ROWS      (8u * 1024 * 1024)

/* Fields sit back to back in the arena, each followed by its NUL, in file
 * order: fields c..d of a row span arena[offset(c), offset(d + 1)), the
 * NULs standing for the delimiters (report.c copies unchanged rows that
 * way). CSV_PAD zero bytes follow the last field, so the first CSV_PAD
 * bytes from any field's start can be loaded as one word (group.c). */
#define CSV_PAD 8
struct csv_table {
	size_t ncols;
	size_t nrows;     /* data rows, header excluded */
	char *arena;      /* every field, NUL-terminated */
	uint32_t *offsets; /* (nrows + 1) * ncols offsets into arena; row 0 = header */
	uint32_t *lines;  /* physical line where each data row starts */
	bool needs_quotes; /* some field holds a comma, quote, CR or LF */
};

/* Parse from a stream, chunk by chunk (name is only for messages). */
int csv_read_stream(FILE *f, const char *name, struct csv_table *t, struct trex_err *err);
int csv_read_file(const char *path, struct csv_table *t, struct trex_err *err);
int csv_parse_mem(const char *data, size_t len, const char *name, struct csv_table *t,
		  struct trex_err *err);
void csv_free(struct csv_table *t);

static inline const char *csv_header(const struct csv_table *t, size_t col)
{
	return t->arena + t->offsets[col];
}

/* row is 0-based over data rows */
static inline const char *csv_field(const struct csv_table *t, size_t row, size_t col)
{
	return t->arena + t->offsets[(row + 1) * t->ncols + col];
}

/* A table read a batch of rows at a time (bounded memory). After
 * csv_stream_next returns 1, view holds the header (row 0) and the next
 * rows of the file (possibly none, once, for a table without rows), the
 * first of them being data row `first` of the file; it stays valid until
 * the next call. 0 at the end of the file, negative on error (the same
 * errors, with the same positions, as csv_read_stream). */
struct csv_parser;
struct csv_stream {
	struct csv_parser *p;
	FILE *f;
	unsigned char *chunk;      /* read buffer, when not mapped */
	size_t chunk_size;
	const unsigned char *map;  /* a regular file, mapped */
	size_t map_len, map_pos, map_dropped;
	struct csv_table view;
	size_t first;
	bool done, header_checked, header_handed;
};
int csv_stream_open(struct csv_stream *s, FILE *f, const char *name, struct trex_err *err);
int csv_stream_next(struct csv_stream *s);
void csv_stream_close(struct csv_stream *s);

/* Column index of a header name, or -1. */
int csv_column(const struct csv_table *t, const char *name);

/* Tests: turn the block fast path off (on by default), to check that both
 * paths build the same table (tests/fuzz/fuzz_csv.c). */
void csv_set_fast_path(bool on);
/* Tests: the bytes csv_stream reads at a time (0: the default), so small
 * tables are cut into many batches (tests/fuzz/fuzz_stream.c). */
void csv_set_stream_chunk(size_t n);

/* Write one field, quoted only when RFC 4180 requires it. */
int csv_write_field(FILE *f, const char *s);

#endif
