/* Identifier index (idindex.h). Hashes, not the identifiers: the file
 * stays small (8 bytes an id), is looked up in O(1), and a collision can
 * only fail a file that was fine (the safe direction; at 64 bits, one in
 * about 10^12 fields for a dataset of ten million ids). */
#include "idindex.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "sdcvocab.h"

static uint64_t idindex_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	/* finaliser: FNV alone clusters in the low bits used as slots */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h ? h : 1; /* 0 marks an empty slot */
}

struct idindex_list {
	uint64_t *h;
	size_t n, cap;
};

static int idindex_push(struct idindex_list *l, uint64_t h)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		uint64_t *nh;
		if (l->n >= IDINDEX_MAX_IDS)
			return -EFBIG;
		nh = trex_reallocarray(l->h, cap, sizeof(*nh));
		if (!nh)
			return -ENOMEM;
		l->h = nh;
		l->cap = cap;
	}
	l->h[l->n++] = h;
	return 0;
}

/* Split one line of a data owner's CSV into fields in place (quotes
 * removed, "" unescaped). Dataset files are trusted input, one record a
 * line; the strict reader (csv.c) is for job outputs and caps sizes a
 * national dataset exceeds. */
static size_t idindex_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		char *out = p;
		fields[n++] = p;
		if (*p == '"') {
			char *q = p + 1;
			for (;;) {
				if (*q == '\0')
					break;
				if (*q == '"' && q[1] == '"') {
					*out++ = '"';
					q += 2;
				} else if (*q == '"') {
					q++;
					break;
				} else {
					*out++ = *q++;
				}
			}
			p = q;
			while (*p && *p != ',')
				p++;
			*out = '\0';
		} else {
			while (*p && *p != ',')
				p++;
		}
		if (*p != ',')
			break;
		*p++ = '\0';
	}
	return n;
}

static int idindex_scan_csv(const char *path, char *const *cols, size_t ncols,
			    struct idindex_list *l, struct trex_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int want[CSV_MAX_COLS];
	size_t nwant = 0;
	char *fields[CSV_MAX_COLS];

	if (!f)
		return trex_err_set(err, -errno, "open %s", path);
	/* line is from getline (malloc): freed with free below */
	len = getline(&line, &cap, f);
	if (len <= 0)
		return 0;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	{
		size_t nf = idindex_split(line, fields, CSV_MAX_COLS);
		for (size_t i = 0; i < nf; i++)
			for (size_t k = 0; k < ncols; k++)
				if (!strcmp(fields[i], cols[k])) {
					want[nwant++] = (int)i; /* at most once a field */
					break;
				}
	}
	while (nwant && (len = getline(&line, &cap, f)) > 0) {
		size_t nf;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		nf = idindex_split(line, fields, CSV_MAX_COLS);
		for (size_t k = 0; k < nwant; k++) {
			int r;
			if ((size_t)want[k] >= nf || !*fields[want[k]])
				continue;
			r = idindex_push(l, idindex_hash(fields[want[k]], strlen(fields[want[k]])));
			if (r < 0)
				return trex_err_set(err, r, "%s: too many identifiers", path);
		}
	}
	if (ferror(f))
		return trex_err_set(err, -EIO, "read %s", path);
	return 0;
}

static int idindex_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int idindex_write(const char *out, const struct idindex_list *l, struct trex_err *err)
{
	size_t n = strlen(out) + 16;
	_cleanup_free_ char *tmp = trex_malloc(n);
	uint64_t count = l->n;
	FILE *f;
	int fd, r = 0;

	if (!tmp)
		return trex_err_set(err, -ENOMEM, "%s", out);
	snprintf(tmp, n, "%s.tmpXXXXXX", out);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "create %s", out);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return trex_err_set(err, -ENOMEM, "%s", out);
	}
	/* little-endian on every machine trex supports (x86-64, arm64) */
	if (fwrite(IDINDEX_MAGIC, 8, 1, f) != 1 || fwrite(&count, 8, 1, f) != 1 ||
	    (l->n && fwrite(l->h, 8, l->n, f) != l->n) || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0 || fchmod(fileno(f), 0644) != 0)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	if (r == 0 && rename(tmp, out) != 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return trex_err_set(err, r, "write %s", out);
	}
	return 0;
}

int idindex_build(const char *dir, const char *columns, const char *out, size_t *nids,
		  struct trex_err *err)
{
	char *cols[CSV_MAX_COLS];
	size_t ncols = 0;
	_cleanup_free_ char *list = trex_strdup(columns);
	char *paths[] = {(char *)dir, NULL};
	struct idindex_list l = {0};
	FTS *fts;
	FTSENT *e;
	int r = 0;

	if (!list)
		return trex_err_set(err, -ENOMEM, "id columns");
	for (char *s = strtok(list, ","); s && ncols < CSV_MAX_COLS; s = strtok(NULL, ","))
		cols[ncols++] = s;
	if (!ncols)
		return trex_err_setx(err, -EINVAL, "--id-columns names no column");
	fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	if (!fts)
		return trex_err_set(err, -errno, "open %s", dir);
	while (r == 0 && (e = fts_read(fts))) {
		size_t len = strlen(e->fts_path);
		if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR)
			r = trex_err_setx(err, -e->fts_errno, "read %s", e->fts_path);
		else if (e->fts_info == FTS_F && len > 4 && !strcmp(e->fts_path + len - 4, ".csv"))
			r = idindex_scan_csv(e->fts_path, cols, ncols, &l, err);
	}
	fts_close(fts);
	if (r == 0) {
		size_t k = 0;
		if (l.n)
			qsort(l.h, l.n, sizeof(*l.h), idindex_cmp);
		for (size_t i = 0; i < l.n; i++)
			if (!k || l.h[k - 1] != l.h[i])
				l.h[k++] = l.h[i];
		l.n = k;
		*nids = k;
		r = idindex_write(out, &l, err);
	}
	trex_free(l.h);
	return r;
}

int idindex_load(const char *path, struct idindex *ix, struct trex_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "rbe");
	char magic[8];
	uint64_t count, h;
	size_t cap = 1;

	memset(ix, 0, sizeof(*ix));
	if (!f)
		return trex_err_set(err, -errno, "open %s", path);
	if (fread(magic, 8, 1, f) != 1 || memcmp(magic, IDINDEX_MAGIC, 8) ||
	    fread(&count, 8, 1, f) != 1 || count > IDINDEX_MAX_IDS)
		return trex_err_setx(err, -EINVAL, "%s: not an identifier index", path);
	while (cap < count * 2 + 2)
		cap <<= 1;
	ix->slots = trex_calloc(cap, sizeof(uint64_t));
	if (!ix->slots)
		return trex_err_set(err, -ENOMEM, "%s", path);
	ix->mask = cap - 1;
	for (uint64_t i = 0; i < count; i++) {
		size_t s;
		if (fread(&h, 8, 1, f) != 1 || !h) {
			idindex_free(ix);
			return trex_err_setx(err, -EINVAL, "%s: truncated identifier index", path);
		}
		for (s = h & ix->mask; ix->slots[s] && ix->slots[s] != h; s = (s + 1) & ix->mask)
			;
		ix->slots[s] = h;
	}
	ix->n = count;
	return 0;
}

void idindex_free(struct idindex *ix)
{
	trex_free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

bool idindex_has(const struct idindex *ix, const char *s, size_t len)
{
	uint64_t h;

	if (!ix->n || !len)
		return false;
	h = idindex_hash(s, len);
	for (size_t i = h & ix->mask; ix->slots[i]; i = (i + 1) & ix->mask)
		if (ix->slots[i] == h)
			return true;
	return false;
}

int idindex_scan_table(const struct idindex *ix, const struct csv_table *t, size_t *row,
		       size_t *col)
{
	for (size_t r = 0; r <= t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->arena + t->offsets[r * t->ncols + c];
			if (idindex_has(ix, s, strlen(s))) {
				*row = r;
				*col = c;
				return 1;
			}
		}
	return 0;
}

static bool idindex_token_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_' || c == '-' || c == '.' || c >= 0x80;
}

int idindex_scan_text(const struct idindex *ix, const char *path, size_t *line,
		      struct trex_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "rbe");
	char buf[65536];
	char tok[4096];
	size_t ntok = 0, ln = 1, n;
	bool overlong = false;

	if (!f)
		return trex_err_set(err, -errno, "%s:0:0: unreadable: %s", path,
				    sdc_vocab_code_text("unreadable"));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (idindex_token_char(c)) {
				if (ntok < sizeof(tok))
					tok[ntok++] = (char)c;
				else
					overlong = true;
				continue;
			}
			/* a token may end with a '.' or '-' of the sentence */
			while (ntok && !overlong && (tok[ntok - 1] == '.' || tok[ntok - 1] == '-')) {
				if (idindex_has(ix, tok, ntok)) {
					*line = ln;
					return 1;
				}
				ntok--;
			}
			if (ntok && !overlong && idindex_has(ix, tok, ntok)) {
				*line = ln;
				return 1;
			}
			ntok = 0;
			overlong = false;
			if (c == '\n')
				ln++;
		}
	}
	if (ferror(f))
		return trex_err_set(err, -EIO, "%s:0:0: unreadable: %s", path,
				    sdc_vocab_code_text("unreadable"));
	if (ntok && !overlong && idindex_has(ix, tok, ntok)) {
		*line = ln;
		return 1;
	}
	return 0;
}
