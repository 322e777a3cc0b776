#include "csv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "alloc.h"
#include "buf.h"
#include "cleanup.h"
#include "sdcvocab.h"

/* 1 MiB: few records are cut by a chunk's end (those take the byte path).
 * Tests build the parser with tiny chunks to exercise those cuts. */
#ifndef CSV_CHUNK_SIZE
#define CSV_CHUNK_SIZE (1u << 20)
#endif

/* The parser is a byte-at-a-time state machine so a file is read in chunks
 * and never needs to fit twice in memory; the table itself is the arena. */
enum csv_state {
	CSV_FIELD_START,   /* at the start of a field */
	CSV_UNQUOTED,      /* inside an unquoted field */
	CSV_QUOTED,        /* inside a quoted field */
	CSV_QUOTE_IN_QUOTED, /* saw '"' inside a quoted field: escape or end */
	CSV_AFTER_CR,      /* saw CR, LF must follow */
};

struct csv_parser {
	const char *name;
	enum csv_state state;
	struct trex_buf arena;
	uint32_t *offsets;  /* the arena is below 4 GiB (CSV_MAX_BYTES + a NUL a field) */
	size_t noffsets, cap_offsets;
	uint32_t *lines; /* lines fit: a line is at least a byte, below CSV_MAX_BYTES */
	size_t cap_lines;
	size_t ncols;       /* 0 until the header is complete */
	size_t row_fields;  /* fields completed in the current record */
	size_t field_start; /* arena offset of the current field */
	size_t field_len;
	size_t line, col;   /* 1-based position of the current byte */
	size_t field_col;   /* column where the current field started */
	size_t field_line;  /* and its line */
	/* where each header field started, for errors about the header */
	uint32_t head_line[CSV_MAX_COLS], head_col[CSV_MAX_COLS];
	size_t record_line;
	size_t total;
	size_t row_base;    /* data rows handed out and dropped (csv_stream) */
	int utf8_need;      /* continuation bytes still expected */
	unsigned char utf8_lo, utf8_hi; /* range of the next continuation byte */
	int bom_checked;
	bool needs_quotes;  /* a quoted field held , " CR or LF */
	struct trex_err *err;
};

/* Errors say where, never what (the file is a job's output, and trexd may
 * show the message to its author): FILE:LINE:COLUMN: CODE: TEXT, where
 * CODE and TEXT come from common/sdcvocab.c, never from the file. A
 * negative errno other than -EINVAL gets its strerror appended. */
static int csv_fail_at(struct csv_parser *p, int err, size_t line, size_t col, const char *code)
{
	const char *text = sdc_vocab_code_text(code);

	if (err == -EINVAL)
		return trex_err_setx(p->err, err, "%s:%zu:%zu: %s: %s", p->name, line, col, code,
				     text ? text : code);
	return trex_err_set(p->err, err, "%s:%zu:%zu: %s: %s", p->name, line, col, code,
			    text ? text : code);
}

static int csv_fail(struct csv_parser *p, const char *code)
{
	return csv_fail_at(p, -EINVAL, p->line, p->col, code);
}

/* out of memory (or a cap of the buffer) while holding the table */
static int csv_too_large(struct csv_parser *p, int err)
{
	return csv_fail_at(p, err, p->line, p->col, "table_too_large");
}

static int csv_push_offset(struct csv_parser *p, size_t off)
{
	if (p->noffsets == p->cap_offsets) {
		size_t n = p->cap_offsets ? p->cap_offsets * 2 : 64;
		uint32_t *o = trex_reallocarray(p->offsets, n, sizeof(*o));
		if (!o)
			return csv_too_large(p, -ENOMEM);
		p->offsets = o;
		p->cap_offsets = n;
	}
	p->offsets[p->noffsets++] = (uint32_t)off;
	return 0;
}

/* Append to the arena: inline when it has room (the common case once it
 * is sized from the file), trex_buf_append (which enforces the cap) else. */
static inline int csv_arena_put(struct csv_parser *p, const void *d, size_t n)
{
	struct trex_buf *b = &p->arena;

	if (b->data && b->cap - b->len > n) {
		memcpy(b->data + b->len, d, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return trex_buf_append(b, d, n);
}

static int csv_end_field(struct csv_parser *p)
{
	int r;

	if (p->ncols && p->row_fields >= p->ncols) {
		p->col = p->field_col; /* point at the extra field, not its end */
		return csv_fail(p, "more_fields");
	}
	if (!p->ncols && p->row_fields >= CSV_MAX_COLS)
		return csv_fail(p, "too_many_columns");
	r = csv_arena_put(p, "", 1);
	if (r < 0)
		return csv_too_large(p, r);
	if (!p->ncols) {
		p->head_line[p->row_fields] = (uint32_t)p->field_line;
		p->head_col[p->row_fields] = (uint32_t)p->field_col;
	}
	r = csv_push_offset(p, p->field_start);
	if (r < 0)
		return r;
	p->row_fields++;
	p->field_start = p->arena.len;
	p->field_len = 0;
	return 0;
}

static int csv_end_record(struct csv_parser *p)
{
	int r = csv_end_field(p);
	if (r < 0)
		return r;
	if (!p->ncols) {
		p->ncols = p->row_fields;
	} else {
		size_t row = p->noffsets / p->ncols - 1;
		if (p->row_fields != p->ncols)
			return csv_fail(p, "fewer_fields");
		if (row + p->row_base > CSV_MAX_ROWS)
			return csv_fail(p, "too_many_rows");
		if (row > p->cap_lines) {
			size_t n = p->cap_lines ? p->cap_lines * 2 : 64;
			uint32_t *l = trex_reallocarray(p->lines, n, sizeof(*l));
			if (!l)
				return csv_too_large(p, -ENOMEM);
			p->lines = l;
			p->cap_lines = n;
		}
		p->lines[row - 1] = (uint32_t)p->record_line;
	}
	p->row_fields = 0;
	return 0;
}

static int csv_append_byte(struct csv_parser *p, char c)
{
	int r;
	if (++p->field_len > CSV_MAX_FIELD_LEN)
		return csv_fail(p, "field_too_long");
	r = csv_arena_put(p, &c, 1);
	if (r < 0)
		return csv_too_large(p, r);
	return 0;
}

/* Well-formed UTF-8 only (RFC 3629): no overlongs, surrogates or > U+10FFFF. */
static int csv_utf8(struct csv_parser *p, unsigned char c)
{
	if (p->utf8_need) {
		if (c < p->utf8_lo || c > p->utf8_hi)
			return csv_fail(p, "invalid_utf8");
		p->utf8_need--;
		p->utf8_lo = 0x80;
		p->utf8_hi = 0xbf;
		return 0;
	}
	if (c < 0x80) {
		if (c == 0)
			return csv_fail(p, "nul_byte");
		return 0;
	}
	p->utf8_lo = 0x80;
	p->utf8_hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) {
		p->utf8_need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		p->utf8_need = 2;
		if (c == 0xe0)
			p->utf8_lo = 0xa0;
		else if (c == 0xed)
			p->utf8_hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		p->utf8_need = 3;
		if (c == 0xf0)
			p->utf8_lo = 0x90;
		else if (c == 0xf4)
			p->utf8_hi = 0x8f;
	} else {
		return csv_fail(p, "invalid_utf8");
	}
	return 0;
}

static int csv_byte(struct csv_parser *p, unsigned char c)
{
	int r;

	if (++p->total > CSV_MAX_BYTES)
		return csv_fail(p, "file_too_large");
	r = csv_utf8(p, c);
	if (r < 0)
		return r;
	switch (p->state) {
	case CSV_AFTER_CR:
		if (c != '\n')
			return csv_fail(p, "bare_cr");
		p->state = CSV_FIELD_START;
		return 0;
	case CSV_FIELD_START:
		p->field_col = p->col;
		p->field_line = p->line;
		if (p->row_fields == 0)
			p->record_line = p->line;
		if (c == '"') {
			p->state = CSV_QUOTED;
			return 0;
		}
		if ((c == '\n' || c == '\r') && p->row_fields == 0)
			return csv_fail(p, "empty_line");
		p->state = CSV_UNQUOTED;
		/* fall through */
	case CSV_UNQUOTED:
		if (c == ',') {
			p->state = CSV_FIELD_START;
			return csv_end_field(p);
		}
		if (c == '\n' || c == '\r') {
			p->state = c == '\r' ? CSV_AFTER_CR : CSV_FIELD_START;
			return csv_end_record(p);
		}
		if (c == '"')
			return csv_fail(p, "stray_quote");
		return csv_append_byte(p, (char)c);
	case CSV_QUOTED:
		if (c == '"') {
			p->state = CSV_QUOTE_IN_QUOTED;
			return 0;
		}
		if (c == ',' || c == '\r' || c == '\n')
			p->needs_quotes = true;
		return csv_append_byte(p, (char)c);
	case CSV_QUOTE_IN_QUOTED:
		if (c == '"') {
			p->state = CSV_QUOTED;
			p->needs_quotes = true;
			return csv_append_byte(p, '"');
		}
		if (c == ',') {
			p->state = CSV_FIELD_START;
			return csv_end_field(p);
		}
		if (c == '\n' || c == '\r') {
			p->state = c == '\r' ? CSV_AFTER_CR : CSV_FIELD_START;
			return csv_end_record(p);
		}
		return csv_fail(p, "text_after_quote");
	}
	return csv_fail(p, "parser_state");
}

/* Bytes that can sit in an unquoted field with no state change: printable
 * ASCII but the comma and the quote. */
static const unsigned char csv_plain[256] = {
	[0x20 ... 0x21] = 1, /* '"' is 0x22 */
	[0x23 ... 0x2b] = 1, /* ',' is 0x2c */
	[0x2d ... 0x7e] = 1,
};

/* Non-plain bytes of a 16-byte block as a bit mask (bit j = byte j):
 * delimiters, quotes, control bytes, DEL and every byte of a multi-byte
 * UTF-8 sequence. SSE2 is part of x86-64; elsewhere a table does it. */
static inline unsigned csv_stop_mask(const unsigned char *s)
{
#ifdef __SSE2__
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	/* signed compare: 0x00-0x1f and 0x80-0xff are both below 0x20 */
	__m128i m = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
				 _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
	return (unsigned)_mm_movemask_epi8(m);
#else
	unsigned m = 0;
	for (unsigned j = 0; j < 16; j++)
		m |= (unsigned)!csv_plain[s[j]] << j;
	return m;
#endif
}

/* Whole fields of plain printable ASCII, the bulk of any real table: a
 * field ended by a comma, or a row's last field ended by LF or CRLF. The
 * input is copied to the arena 16 bytes at a time and each delimiter found
 * in a block's stop mask becomes the field's NUL, so a field costs a few
 * instructions instead of a state machine step per byte. The result is
 * exactly what the byte path would build (arena, offsets, lines, line,
 * column and byte counts). Anything else -- a quote, a non-ASCII or
 * control byte, a wrong field count, a cap or a full array about to be
 * reached, the last few bytes of the chunk -- stops it at the start of the
 * field it cannot take, with the parser state as the byte path would have
 * left it there; the byte path goes on from that byte. Needs the arena to
 * have room for the rest of the chunk (the file's size is reserved up
 * front); returns where it stopped. */
static bool csv_fast = true; /* csv_set_fast_path: tests only */
static size_t csv_stream_chunk = CSV_CHUNK_SIZE; /* csv_set_stream_chunk: tests only */

void csv_set_stream_chunk(size_t n)
{
	csv_stream_chunk = n ? n : CSV_CHUNK_SIZE;
}

void csv_set_fast_path(bool on)
{
	csv_fast = on;
}

static size_t csv_fast_fields(struct csv_parser *p, const unsigned char *data, size_t i,
			      size_t len)
{
	struct trex_buf *b = &p->arena;
	const size_t ncols = p->ncols;
	size_t rf = p->row_fields, end = len, fstart = i, blk = i;
	size_t line_start = i, col0 = p->col; /* column of data[line_start] */
	char *arena = b->data;
	/* arena position of input byte x: x + delta (one less after each CRLF) */
	size_t delta = b->len - i;

	if (p->total + (len - i) > CSV_MAX_BYTES)
		end = i + (CSV_MAX_BYTES - p->total); /* the byte path reports the cap */
	/* a row already complete has a field too many: the byte path says so */
	if (!arena || b->cap - b->len < end - i + 32 || rf >= ncols)
		return i;
	while (blk + 16 <= end) {
		unsigned m = csv_stop_mask(data + blk);
		bool restart = false;

		memcpy(arena + (blk + delta), data + blk, 16);
		while (m) {
			size_t k = blk + (size_t)__builtin_ctz(m), n = k - fstart, adv, row = 0;
			unsigned char c = data[k];
			bool last = rf + 1 == ncols;

			m &= m - 1;
			if (c == ',' && !last)
				adv = 1;
			else if (c == '\n' && last && (n || rf))
				adv = 1;
			else if (c == '\r' && last && (n || rf) && k + 1 < end && data[k + 1] == '\n')
				adv = 2;
			else
				goto out;
			if (n > CSV_MAX_FIELD_LEN || p->noffsets == p->cap_offsets)
				goto out;
			if (last) {
				row = (p->noffsets + 1) / ncols - 1;
				if (row + p->row_base > CSV_MAX_ROWS || row > p->cap_lines)
					goto out;
			}
			if (rf == 0)
				p->record_line = p->line;
			arena[k + delta] = '\0';
			p->offsets[p->noffsets++] = (uint32_t)(fstart + delta);
			fstart = k + adv;
			if (!last) {
				rf++;
				continue;
			}
			p->lines[row - 1] = (uint32_t)p->record_line;
			rf = 0;
			p->line++;
			line_start = fstart;
			col0 = 1;
			if (adv == 2) {
				/* the CR took no arena byte: copy again from here */
				delta--;
				blk = fstart;
				restart = true;
				break;
			}
		}
		if (!restart)
			blk += 16;
	}
out:
	p->total += fstart - i;
	p->col = col0 + (fstart - line_start);
	b->len = fstart + delta;
	arena[b->len] = '\0';
	p->row_fields = rf;
	p->field_start = b->len;
	p->field_len = 0;
	return fstart;
}

static int csv_feed(struct csv_parser *p, const unsigned char *data, size_t len)
{
	size_t i = 0;

	/* A leading UTF-8 BOM (spreadsheet exports) is not part of the header. */
	if (!p->bom_checked && len > 0) {
		p->bom_checked = 1;
		if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
			i = 3;
	}
	for (; i < len; i++) {
		int r;

		if (p->state == CSV_FIELD_START && !p->utf8_need && p->ncols && csv_fast) {
			i = csv_fast_fields(p, data, i, len);
			if (i == len)
				break;
		}
		/* Fast path: inside an unquoted field, a run of plain printable
		 * ASCII needs no state change, UTF-8 or line bookkeeping, so it
		 * is appended in one go (same checks, same errors). */
		if (p->state == CSV_FIELD_START && !p->utf8_need && csv_plain[data[i]]) {
			/* what csv_byte does on the first byte of an unquoted field
			 * (the byte itself is counted below) */
			p->field_col = p->col;
			p->field_line = p->line;
			if (p->row_fields == 0)
				p->record_line = p->line;
			p->state = CSV_UNQUOTED;
		}
		if (p->state == CSV_UNQUOTED && !p->utf8_need) {
			size_t k = i;
			while (k < len && csv_plain[data[k]])
				k++;
			if (k > i) {
				size_t n = k - i;
				if (p->total + n > CSV_MAX_BYTES || p->field_len + n > CSV_MAX_FIELD_LEN) {
					/* let the byte path report the exact column */
					goto slow;
				}
				r = csv_arena_put(p, data + i, n);
				if (r < 0)
					return csv_too_large(p, r);
				p->total += n;
				p->field_len += n;
				p->col += n;
				i = k;
				if (i == len)
					break;
			}
		}
slow:
		r = csv_byte(p, data[i]);
		if (r < 0)
			return r;
		if (data[i] == '\n') {
			p->line++;
			p->col = 1;
		} else if ((data[i] & 0xc0) != 0x80) {
			p->col++;
		}
	}
	return 0;
}

/* The end of the input: a last record without its line break, or an
 * error for a record or character left open. */
static int csv_end_input(struct csv_parser *p)
{
	if (p->utf8_need)
		return csv_fail(p, "truncated_utf8");
	if (p->state == CSV_QUOTED)
		return csv_fail(p, "unterminated_quote");
	/* a last record without its line break */
	if (p->state == CSV_UNQUOTED || p->state == CSV_QUOTE_IN_QUOTED ||
	    (p->state == CSV_FIELD_START && p->row_fields > 0))
		return csv_end_record(p);
	return 0;
}

static int csv_check_header(struct csv_parser *p)
{
	if (!p->ncols)
		return csv_fail_at(p, -EINVAL, 1, 1, "empty_file");
	/* the header is a job's too: a name it made up is never quoted */
	for (size_t i = 0; i < p->ncols; i++) {
		const char *h = p->arena.data + p->offsets[i];
		if (!*h)
			return csv_fail_at(p, -EINVAL, p->head_line[i], p->head_col[i],
					   "empty_header");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(h, p->arena.data + p->offsets[j]))
				return csv_fail_at(p, -EINVAL, p->head_line[i], p->head_col[i],
						   "duplicate_header");
	}
	return 0;
}

/* CSV_PAD zero bytes after the arena's last byte (csv.h) */
static int csv_pad(struct csv_parser *p)
{
	if (p->arena.cap - p->arena.len < CSV_PAD + 1) {
		char *d = trex_realloc(p->arena.data, p->arena.len + CSV_PAD + 1);
		if (!d)
			return csv_too_large(p, -ENOMEM);
		p->arena.data = d;
		p->arena.cap = p->arena.len + CSV_PAD + 1;
	}
	memset(p->arena.data + p->arena.len, 0, CSV_PAD + 1);
	return 0;
}

static int csv_finish(struct csv_parser *p, struct csv_table *t)
{
	int r = csv_end_input(p);

	if (r == 0)
		r = csv_check_header(p);
	if (r == 0)
		r = csv_pad(p);
	if (r < 0)
		return r;
	t->ncols = p->ncols;
	t->nrows = p->noffsets / p->ncols - 1;
	t->needs_quotes = p->needs_quotes;
	t->arena = trex_buf_steal(&p->arena, NULL);
	t->offsets = TREX_TAKE(p->offsets);
	t->lines = TREX_TAKE(p->lines);
	return 0;
}

static void csv_parser_init(struct csv_parser *p, const char *name, struct trex_err *err)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->err = err;
	p->line = 1;
	p->col = 1;
	p->utf8_lo = 0x80;
	p->utf8_hi = 0xbf;
	trex_buf_init(&p->arena, CSV_MAX_BYTES + CSV_MAX_ROWS);
	/* the arena must exist even for a table of empty fields */
	trex_buf_append(&p->arena, "", 0);
}

static void csv_parser_free(struct csv_parser *p)
{
	trex_buf_free(&p->arena);
	trex_free(p->offsets);
	trex_free(p->lines);
}

int csv_parse_mem(const char *data, size_t len, const char *name, struct csv_table *t,
		  struct trex_err *err)
{
	struct csv_parser p;
	int r;

	memset(t, 0, sizeof(*t));
	csv_parser_init(&p, name, err);
	/* room for the whole input up front, as csv_read_stream does */
	if (len <= CSV_MAX_BYTES) {
		char *d = trex_realloc(p.arena.data, len + 64);
		if (d) {
			p.arena.data = d;
			p.arena.cap = len + 64;
		}
	}
	r = csv_feed(&p, (const unsigned char *)data, len);
	if (r == 0)
		r = csv_finish(&p, t);
	csv_parser_free(&p);
	return r;
}

int csv_read_stream(FILE *f, const char *name, struct csv_table *t, struct trex_err *err)
{
	struct csv_parser p;
	const size_t chunk_size = CSV_CHUNK_SIZE;
	_cleanup_free_ unsigned char *chunk = trex_malloc(chunk_size);
	struct stat st;
	size_t n;
	int r = 0;

	memset(t, 0, sizeof(*t));
	if (!chunk)
		return trex_err_set(err, -ENOMEM, "%s:0:0: table_too_large: %s", name,
				    sdc_vocab_code_text("table_too_large"));
	csv_parser_init(&p, name, err);
	/* The arena holds every byte but the delimiters, plus one NUL per
	 * field: a regular file's size (+ a little) is enough, so it is
	 * allocated once rather than doubled and copied while parsing. */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= CSV_MAX_BYTES) {
		char *d = trex_realloc(p.arena.data, (size_t)st.st_size + 64);
		if (d) {
			p.arena.data = d;
			p.arena.cap = (size_t)st.st_size + 64;
		}
	}
	while ((n = fread(chunk, 1, chunk_size, f)) > 0) {
		r = csv_feed(&p, chunk, n);
		if (r < 0)
			break;
	}
	if (r == 0 && ferror(f))
		r = csv_fail_at(&p, -EIO, 0, 0, "unreadable");
	if (r == 0)
		r = csv_finish(&p, t);
	csv_parser_free(&p);
	return r;
}

int csv_read_file(const char *path, struct csv_table *t, struct trex_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "rbe");
	if (!f)
		return trex_err_set(err, -errno, "%s:0:0: unreadable: %s", path,
				    sdc_vocab_code_text("unreadable"));
	return csv_read_stream(f, path, t, err);
}

void csv_free(struct csv_table *t)
{
	trex_free(t->arena);
	trex_free(t->offsets);
	trex_free(t->lines);
	memset(t, 0, sizeof(*t));
}

int csv_column(const struct csv_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(csv_header(t, i), name))
			return (int)i;
	return -1;
}

/* The stream is the caller's alone: the _unlocked calls save a lock per
 * field on tables of millions of fields. */
int csv_write_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n"))
		return fputs_unlocked(s, f) < 0 ? -EIO : 0;
	if (fputc_unlocked('"', f) == EOF)
		return -EIO;
	for (; *s; s++) {
		if (*s == '"' && fputc_unlocked('"', f) == EOF)
			return -EIO;
		if (fputc_unlocked(*s, f) == EOF)
			return -EIO;
	}
	return fputc_unlocked('"', f) == EOF ? -EIO : 0;
}

/* Streaming: the table a batch of rows at a time, so a large file never
 * sits whole in memory. The parser is the same; after each chunk the
 * complete rows are handed out in s->view (header as row 0, as in a whole
 * table), and once the caller is done with them they are dropped and the
 * record still open is moved down behind the header. */
int csv_stream_open(struct csv_stream *s, FILE *f, const char *name, struct trex_err *err)
{
	struct stat st;
	int fd = fileno(f);

	memset(s, 0, sizeof(*s));
	s->f = f;
	s->chunk_size = csv_stream_chunk;
	/* A regular file is read through a mapping, a chunk at a time, each
	 * chunk's pages dropped once parsed: read() copied every byte once
	 * more, a tenth of the checker's time on a large table. (Outputs are
	 * checked after every job process is gone: nothing truncates the
	 * file under the mapping.) */
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    ftello(f) == 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			s->map = m;
			s->map_len = (size_t)st.st_size;
			(void)madvise(m, s->map_len, MADV_SEQUENTIAL);
		}
	}
	if (!s->map)
		s->chunk = trex_malloc(s->chunk_size);
	s->p = trex_calloc(1, sizeof(*s->p));
	if ((!s->map && !s->chunk) || !s->p) {
		csv_stream_close(s);
		return trex_err_set(err, -ENOMEM, "%s:0:0: table_too_large: %s", name,
				    sdc_vocab_code_text("table_too_large"));
	}
	csv_parser_init(s->p, name, err);
	/* a chunk's bytes plus a record left open: the fast path needs the
	 * room for a whole chunk */
	{
		char *d = trex_realloc(s->p->arena.data, 2 * s->chunk_size + 64);
		if (d) {
			s->p->arena.data = d;
			s->p->arena.cap = 2 * s->chunk_size + 64;
		}
	}
	return 0;
}

/* Drop the rows handed out: the header stays first in the arena, the
 * fields of the record still open (and the field being read) follow it. */
static void csv_stream_compact(struct csv_stream *s)
{
	struct csv_parser *p = s->p;
	const size_t nc = p->ncols, done = p->noffsets / nc;
	size_t hend, pstart, shift;

	if (done < 2)
		return;
	hend = p->offsets[nc - 1] + strlen(p->arena.data + p->offsets[nc - 1]) + 1;
	pstart = p->row_fields ? p->offsets[done * nc] : p->field_start;
	shift = pstart - hend;
	memmove(p->arena.data + hend, p->arena.data + pstart, p->arena.len - pstart);
	p->arena.len -= shift;
	p->arena.data[p->arena.len] = '\0';
	for (size_t i = 0; i < p->row_fields; i++)
		p->offsets[nc + i] = p->offsets[done * nc + i] - (uint32_t)shift;
	p->noffsets = nc + p->row_fields;
	p->field_start -= shift;
	p->row_base += done - 1;
	s->first += done - 1;
}

static void csv_stream_view(struct csv_stream *s)
{
	struct csv_parser *p = s->p;

	s->view.ncols = p->ncols;
	s->view.nrows = p->noffsets / p->ncols - 1;
	s->view.arena = p->arena.data;
	s->view.offsets = p->offsets;
	s->view.lines = p->lines;
	s->view.needs_quotes = p->needs_quotes;
}

int csv_stream_next(struct csv_stream *s)
{
	struct csv_parser *p = s->p;
	int r;

	if (s->view.nrows)
		csv_stream_compact(s);
	s->view.nrows = 0;
	while (!s->done) {
		const unsigned char *data = s->chunk;
		size_t n;

		if (s->map) {
			n = s->map_len - s->map_pos < s->chunk_size ? s->map_len - s->map_pos
								  : s->chunk_size;
			data = s->map + s->map_pos;
		} else {
			n = fread(s->chunk, 1, s->chunk_size, s->f);
		}
		if (n == 0) {
			if (!s->map && ferror(s->f))
				return csv_fail_at(p, -EIO, 0, 0, "unreadable");
			s->done = true;
			r = csv_end_input(p);
			if (r == 0)
				r = csv_check_header(p);
			if (r < 0)
				return r;
		} else if ((r = csv_feed(p, data, n)) < 0) {
			return r;
		} else if (s->map) {
			/* the parsed bytes are in the arena now: their pages go */
			size_t page = (size_t)sysconf(_SC_PAGESIZE), upto;
			s->map_pos += n;
			upto = s->map_pos / page * page;
			if (upto > s->map_dropped) {
				(void)madvise((void *)(s->map + s->map_dropped), upto - s->map_dropped,
					      MADV_DONTNEED);
				s->map_dropped = upto;
			}
		}
		if (p->ncols && !s->header_checked) {
			if ((r = csv_check_header(p)) < 0)
				return r;
			s->header_checked = true;
		}
		if (p->ncols && (p->noffsets / p->ncols > 1 || s->done)) {
			/* a field's first CSV_PAD bytes are readable (csv.h) */
			if ((r = csv_pad(p)) < 0)
				return r;
			csv_stream_view(s);
			if (s->view.nrows > 0 || !s->header_handed) {
				s->header_handed = true;
				return 1;
			}
		}
	}
	/* the header stays in view (csv_header, csv_column) */
	if (p->ncols)
		csv_stream_view(s);
	return 0;
}

void csv_stream_close(struct csv_stream *s)
{
	if (s->map)
		munmap((void *)s->map, s->map_len);
	if (s->p)
		csv_parser_free(s->p);
	trex_free(s->p);
	trex_free(s->chunk);
	memset(s, 0, sizeof(*s));
}
