/* Identifier index (idindex.h). Hashes, not the identifiers: the file
 * stays small (8 bytes an id) and a collision can only fail a file that
 * was fine (the safe direction). Two strings of length L collide under a
 * random base with probability below L / 2^61; a 100 MB output searched
 * at 5 identifier lengths against 10^7 identifiers makes about 5 x 10^8
 * window lookups, so a false hit is a few in a thousand such outputs,
 * and windows are only looked up where the first two bytes are those of
 * some identifier (the pair bitmap), which makes it rarer still. */
#include "idindex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "sdcvocab.h"

#define IDX_P ((1ull << 61) - 1)
#define IDX_PAIRS_BYTES (65536 / 8)

static inline uint64_t idx_mul(uint64_t a, uint64_t b)
{
	__uint128_t z = (__uint128_t)a * b;
	uint64_t r = ((uint64_t)z & IDX_P) + (uint64_t)(z >> 61);

	r = (r & IDX_P) + (r >> 61);
	return r >= IDX_P ? r - IDX_P : r;
}

static inline uint64_t idx_step(uint64_t h, uint64_t base, unsigned char c)
{
	/* c + 1: a leading NUL byte still counts */
	uint64_t r = idx_mul(h, base) + c + 1;
	return r >= IDX_P ? r - IDX_P : r;
}

static uint64_t idx_hash(uint64_t base, const char *s, size_t len)
{
	uint64_t h = 0;
	for (size_t i = 0; i < len; i++)
		h = idx_step(h, base, (unsigned char)s[i]);
	return h;
}

/* The stored key of a string of hash h and length len: the length mixed
 * in (strings of different lengths are different identifiers), finalised
 * so the low bits can index the table directly; never 0 (empty slot). */
static inline uint64_t idx_key(uint64_t h, size_t len)
{
	uint64_t x = h ^ ((uint64_t)len * 0x9e3779b97f4a7c15ull);
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x ? x : 1;
}

static inline bool idx_lookup(const struct idindex *ix, uint64_t key)
{
	for (size_t i = key & ix->mask; ix->slots[i]; i = (i + 1) & ix->mask)
		if (ix->slots[i] == key)
			return true;
	return false;
}

static inline bool idx_pair(const uint8_t *pairs, unsigned char a, unsigned char b)
{
	unsigned k = (unsigned)a << 8 | b;
	return pairs[k >> 3] >> (k & 7) & 1;
}

/* ---- building ---- */

int idindex_builder_init(struct idindex_builder *b, struct trex_err *err)
{
	memset(b, 0, sizeof(*b));
	b->pairs = trex_calloc(IDX_PAIRS_BYTES, 1);
	b->long_len = trex_calloc(IDINDEX_MAX_WINDOW + 1, sizeof(bool));
	if (!b->pairs || !b->long_len) {
		idindex_builder_free(b);
		return trex_err_set(err, -ENOMEM, "identifier index");
	}
	/* a base an output cannot know in advance: no crafted text collides */
	do {
		if (getrandom(&b->base, sizeof(b->base), 0) != sizeof(b->base)) {
			idindex_builder_free(b);
			return trex_err_set(err, -errno, "getrandom");
		}
		b->base &= IDX_P;
	} while (b->base < 256 || b->base >= IDX_P - 1);
	return 0;
}

int idindex_builder_add(struct idindex_builder *b, const char *s, size_t len)
{
	if (!len)
		return 0;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		uint64_t *nk;
		if (b->n >= IDINDEX_MAX_IDS)
			return -EFBIG;
		nk = trex_reallocarray(b->keys, cap, sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		b->keys = nk;
		b->cap = cap;
	}
	b->keys[b->n++] = idx_key(idx_hash(b->base, s, len), len);
	if (len < IDINDEX_MIN_SUBSTR) {
		b->short_lens |= 1ull << len;
	} else if (len > IDINDEX_MAX_WINDOW) {
		b->short_lens |= 1ull << IDINDEX_HUGE_BIT;
	} else {
		unsigned k = (unsigned)(unsigned char)s[0] << 8 | (unsigned char)s[1];
		b->long_len[len] = true;
		b->pairs[k >> 3] |= (uint8_t)(1u << (k & 7));
	}
	return 0;
}

static int idx_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int idindex_builder_write(struct idindex_builder *b, const char *out, size_t *nids,
			  struct trex_err *err)
{
	size_t n = strlen(out) + 16, k = 0;
	_cleanup_free_ char *tmp = trex_malloc(n);
	uint64_t count;
	uint32_t min = IDINDEX_MIN_SUBSTR, nlens = 0;
	FILE *f;
	int fd, r = 0;

	if (!tmp)
		return trex_err_set(err, -ENOMEM, "%s", out);
	if (b->n)
		qsort(b->keys, b->n, sizeof(*b->keys), idx_cmp);
	for (size_t i = 0; i < b->n; i++)
		if (!k || b->keys[k - 1] != b->keys[i])
			b->keys[k++] = b->keys[i];
	b->n = k;
	count = k;
	*nids = k;
	for (size_t l = 0; l <= IDINDEX_MAX_WINDOW; l++)
		nlens += b->long_len[l];
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
	if (fwrite(IDINDEX_MAGIC, 8, 1, f) != 1 || fwrite(&b->base, 8, 1, f) != 1 ||
	    fwrite(&min, 4, 1, f) != 1 || fwrite(&nlens, 4, 1, f) != 1 ||
	    fwrite(&count, 8, 1, f) != 1 || fwrite(b->pairs, IDX_PAIRS_BYTES, 1, f) != 1)
		r = -EIO;
	for (uint32_t l = 0; r == 0 && l <= IDINDEX_MAX_WINDOW; l++)
		if (b->long_len[l] && fwrite(&l, 4, 1, f) != 1)
			r = -EIO;
	if (r == 0 && (fwrite(&b->short_lens, 8, 1, f) != 1 ||
		       (b->n && fwrite(b->keys, 8, b->n, f) != b->n) || fflush(f) != 0 ||
		       fsync(fileno(f)) != 0 || fchmod(fileno(f), 0644) != 0))
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

void idindex_builder_free(struct idindex_builder *b)
{
	trex_free(b->keys);
	trex_free(b->pairs);
	trex_free(b->long_len);
	memset(b, 0, sizeof(*b));
}

/* ---- loading ---- */

int idindex_load(const char *path, struct idindex *ix, struct trex_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "rbe");
	char magic[8];
	uint64_t count, key;
	uint32_t min, nlens;
	size_t cap = 1;

	memset(ix, 0, sizeof(*ix));
	if (!f)
		return trex_err_set(err, -errno, "open %s", path);
	if (fread(magic, 8, 1, f) != 1 || memcmp(magic, IDINDEX_MAGIC, 8))
		/* TREXIDS1 held whole-value hashes only: rebuilt, never read */
		/* cppcheck-suppress resourceLeak ; f is closed by _cleanup_fclose_ (cppcheck does not model the cleanup attribute) */
		return trex_err_setx(err, -EINVAL, "%s: not an identifier index (format %s)", path,
				     IDINDEX_MAGIC);
	if (fread(&ix->base, 8, 1, f) != 1 || fread(&min, 4, 1, f) != 1 ||
	    fread(&nlens, 4, 1, f) != 1 || fread(&count, 8, 1, f) != 1 ||
	    count > IDINDEX_MAX_IDS || min != IDINDEX_MIN_SUBSTR || nlens > IDINDEX_MAX_WINDOW ||
	    ix->base < 256 || ix->base >= IDX_P)
		/* cppcheck-suppress resourceLeak ; f is closed by _cleanup_fclose_ (cppcheck does not model the cleanup attribute) */
		return trex_err_setx(err, -EINVAL, "%s: not an identifier index", path);
	ix->pairs = trex_malloc(IDX_PAIRS_BYTES);
	ix->lens = trex_calloc(nlens + 1, sizeof(*ix->lens));
	ix->pow = trex_calloc(nlens + 1, sizeof(*ix->pow));
	while (cap < count * 2 + 2)
		cap <<= 1;
	ix->slots = trex_calloc(cap, sizeof(uint64_t));
	ix->len_ok = trex_calloc(IDINDEX_MAX_WINDOW + 1, 1);
	if (!ix->pairs || !ix->lens || !ix->pow || !ix->slots || !ix->len_ok) {
		idindex_free(ix);
		return trex_err_set(err, -ENOMEM, "%s", path);
	}
	ix->mask = cap - 1;
	if (fread(ix->pairs, IDX_PAIRS_BYTES, 1, f) != 1 ||
	    (nlens && fread(ix->lens, 4, nlens, f) != nlens) ||
	    fread(&ix->short_lens, 8, 1, f) != 1 ||
	    (ix->short_lens & ~(1ull << IDINDEX_HUGE_BIT) & ~((1ull << IDINDEX_MIN_SUBSTR) - 1)))
		goto bad;
	for (size_t l = 1; l < IDINDEX_MIN_SUBSTR; l++)
		ix->len_ok[l] = ix->short_lens >> l & 1;
	for (uint32_t i = 0; i < nlens; i++) {
		if (ix->lens[i] < IDINDEX_MIN_SUBSTR || ix->lens[i] > IDINDEX_MAX_WINDOW ||
		    (i && ix->lens[i] <= ix->lens[i - 1]))
			goto bad;
		ix->len_ok[ix->lens[i]] = 1;
		ix->pow[i] = 1;
		for (uint32_t k = 0; k < ix->lens[i]; k++)
			ix->pow[i] = idx_mul(ix->pow[i], ix->base);
	}
	ix->nlens = nlens;
	for (uint64_t i = 0; i < count; i++) {
		size_t s;
		if (fread(&key, 8, 1, f) != 1 || !key)
			goto bad;
		for (s = key & ix->mask; ix->slots[s] && ix->slots[s] != key; s = (s + 1) & ix->mask)
			;
		ix->slots[s] = key;
	}
	ix->n = count;
	return 0;
bad:
	idindex_free(ix);
	return trex_err_setx(err, -EINVAL, "%s: truncated identifier index", path);
}

void idindex_free(struct idindex *ix)
{
	trex_free(ix->slots);
	trex_free(ix->lens);
	trex_free(ix->pow);
	trex_free(ix->pairs);
	trex_free(ix->len_ok);
	memset(ix, 0, sizeof(*ix));
}

/* ---- searching ---- */

/* Prefix hashes of the text searched (pre[i] = hash of its first i
 * bytes), kept between fields so a table costs one allocation. */
struct idx_scratch {
	uint64_t *pre;
	size_t cap;
};

static int idx_prefixes(const struct idindex *ix, struct idx_scratch *sc, const char *s,
			size_t len)
{
	if (len + 1 > sc->cap) {
		size_t cap = sc->cap ? sc->cap : 256;
		uint64_t *p;
		while (cap < len + 1)
			cap *= 2;
		p = trex_realloc(sc->pre, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		sc->pre = p;
		sc->cap = cap;
	}
	sc->pre[0] = 0;
	for (size_t i = 0; i < len; i++)
		sc->pre[i + 1] = idx_step(sc->pre[i], ix->base, (unsigned char)s[i]);
	return 0;
}

/* Every window of s (its prefix hashes in pre) of every long length,
 * where the first two bytes are those of some identifier: the offset of
 * the first window that is an identifier, or -1. */
static long idx_windows(const struct idindex *ix, const uint64_t *pre, const char *s, size_t len)
{
	if (!ix->nlens || len < ix->lens[0])
		return -1;
	for (size_t i = 0; i + ix->lens[0] <= len; i++) {
		if (!idx_pair(ix->pairs, (unsigned char)s[i], (unsigned char)s[i + 1]))
			continue;
		for (size_t k = 0; k < ix->nlens && i + ix->lens[k] <= len; k++) {
			size_t e = i + ix->lens[k];
			uint64_t h = pre[e] + IDX_P - idx_mul(pre[i], ix->pow[k]);
			if (h >= IDX_P)
				h -= IDX_P;
			if (idx_lookup(ix, idx_key(h, ix->lens[k])))
				return (long)i;
		}
	}
	return -1;
}

/* Some identifier has this length: most fields of a table (codes,
 * counts) have none of the lengths of the dataset's identifiers, and are
 * then neither hashed nor looked up (a lookup is a cache miss in an index
 * of millions). */
static inline bool idx_len_ok(const struct idindex *ix, size_t len)
{
	return len <= IDINDEX_MAX_WINDOW ? ix->len_ok[len]
					 : ix->short_lens >> IDINDEX_HUGE_BIT & 1;
}

static bool idx_token_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_' || c == '-' || c == '.' || c >= 0x80;
}

/* A whole token, and the token less each trailing '.' or '-' (the end of
 * a sentence, a dash after it), as identifiers of any length. */
static bool idx_token(const struct idindex *ix, const char *s, size_t n, bool short_only)
{
	for (;;) {
		if ((short_only ? n < IDINDEX_MIN_SUBSTR && (ix->short_lens >> n & 1)
				: idx_len_ok(ix, n)) &&
		    idx_lookup(ix, idx_key(idx_hash(ix->base, s, n), n)))
			return true;
		if (!n || (s[n - 1] != '.' && s[n - 1] != '-'))
			return false;
		n--;
	}
}

/* A plain decimal number: matched whole only (idindex.h). */
static bool idx_is_number(const char *s, size_t len)
{
	size_t i = 0;
	bool digits = false;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits = true;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits = true;
	}
	if (digits && i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		if (!(i < len && s[i] >= '0' && s[i] <= '9'))
			return false;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return digits && i == len;
}

/* Short identifiers as whole tokens of a field. */
static bool idx_short_tokens(const struct idindex *ix, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && idx_token_char((unsigned char)s[j]))
			j++;
		if (j > i && idx_token(ix, s + i, j - i, true))
			return true;
		i = j + (j == i);
	}
	return false;
}

/* 1 when the field holds an identifier, 0 when not, -ENOMEM. */
static int idx_field(const struct idindex *ix, struct idx_scratch *sc, const char *s, size_t len)
{
	if (!len)
		return 0;
	if (idx_is_number(s, len))
		return idx_len_ok(ix, len) &&
		       idx_lookup(ix, idx_key(idx_hash(ix->base, s, len), len));
	if (ix->nlens && len > ix->lens[0]) {
		/* windows of every length, the whole field among them */
		if (idx_prefixes(ix, sc, s, len) < 0)
			return -ENOMEM;
		if (idx_windows(ix, sc->pre, s, len) >= 0 ||
		    (idx_len_ok(ix, len) && idx_lookup(ix, idx_key(sc->pre[len], len))))
			return 1;
	} else if (idx_len_ok(ix, len) &&
		   idx_lookup(ix, idx_key(idx_hash(ix->base, s, len), len))) {
		return 1;
	}
	return (ix->short_lens & ((1ull << IDINDEX_MIN_SUBSTR) - 1)) &&
	       idx_short_tokens(ix, s, len);
}

bool idindex_field_has(const struct idindex *ix, const char *s, size_t len)
{
	struct idx_scratch sc = {0};
	int r;

	if (!ix->n)
		return false;
	r = idx_field(ix, &sc, s, len);
	trex_free(sc.pre);
	return r != 0; /* out of memory: a hit, the safe side */
}

int idindex_scan_table(const struct idindex *ix, const struct csv_table *t, size_t *row,
		       size_t *col)
{
	struct idx_scratch sc = {0};
	int hit = 0;

	if (!ix->n)
		return 0;
	for (size_t r = 0; r <= t->nrows && !hit; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->arena + t->offsets[r * t->ncols + c];
			/* out of memory counts as a hit: the file fails */
			if (idx_field(ix, &sc, s, strlen(s)) != 0) {
				*row = r;
				*col = c;
				hit = 1;
				break;
			}
		}
	trex_free(sc.pre);
	return hit;
}

/* Free text, a chunk at a time: tokens as they come (a token cut by a
 * chunk's end is carried in tok), windows over the chunk with the last
 * bytes of the one before it in front (a window may span two chunks). */
struct idx_text {
	const struct idindex *ix;
	struct idx_scratch sc;
	char *buf;          /* carried bytes, then the chunk */
	size_t carry, maxlen;
	size_t buf_line;    /* line of buf[0] */
	char tok[4096];
	size_t ntok, line;
	bool overlong;
};

static bool idx_text_token(struct idx_text *x)
{
	bool hit = x->ntok && !x->overlong && idx_token(x->ix, x->tok, x->ntok, false);
	x->ntok = 0;
	x->overlong = false;
	return hit;
}

/* The chunk's tokens: 1 with *line on the first hit. */
static int idx_text_tokens(struct idx_text *x, const char *s, size_t n, size_t *line)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (idx_token_char(c)) {
			if (x->ntok < sizeof(x->tok))
				x->tok[x->ntok++] = (char)c;
			else
				x->overlong = true;
			continue;
		}
		if (idx_text_token(x)) {
			*line = x->line;
			return 1;
		}
		if (c == '\n')
			x->line++;
	}
	return 0;
}

/* The windows of carry + chunk: 1 with *line on the first hit. */
static int idx_text_windows(struct idx_text *x, size_t n, size_t *line)
{
	size_t len = x->carry + n, keep;
	long at;

	if (idx_prefixes(x->ix, &x->sc, x->buf, len) < 0)
		return -ENOMEM;
	at = idx_windows(x->ix, x->sc.pre, x->buf, len);
	if (at >= 0) {
		*line = x->buf_line;
		for (long i = 0; i < at; i++)
			*line += x->buf[i] == '\n';
		return 1;
	}
	/* keep the last maxlen - 1 bytes: the start of a window not yet whole */
	keep = x->maxlen > 1 && len > x->maxlen - 1 ? x->maxlen - 1 : len;
	for (size_t i = 0; i < len - keep; i++)
		x->buf_line += x->buf[i] == '\n';
	memmove(x->buf, x->buf + len - keep, keep);
	x->carry = keep;
	return 0;
}

int idindex_scan_text(const struct idindex *ix, const char *path, size_t *line,
		      struct trex_err *err)
{
	enum { CHUNK = 65536 };
	_cleanup_fclose_ FILE *f = fopen(path, "rbe");
	struct idx_text x = {.ix = ix, .line = 1, .buf_line = 1};
	size_t n;
	int r = 0;

	if (!f)
		return trex_err_set(err, -errno, "%s:0:0: unreadable: %s", path,
				    sdc_vocab_code_text("unreadable"));
	if (!ix->n)
		/* cppcheck-suppress resourceLeak ; f is closed by _cleanup_fclose_ (cppcheck does not model the cleanup attribute) */
		return 0;
	x.maxlen = ix->nlens ? ix->lens[ix->nlens - 1] : 0;
	x.buf = trex_malloc(CHUNK + x.maxlen + 1);
	if (!x.buf)
		/* cppcheck-suppress resourceLeak ; f is closed by _cleanup_fclose_ (cppcheck does not model the cleanup attribute) */
		return trex_err_set(err, -ENOMEM, "%s", path);
	while (r == 0 && (n = fread(x.buf + x.carry, 1, CHUNK, f)) > 0) {
		size_t tline = 0, wline = 0;
		int t = idx_text_tokens(&x, x.buf + x.carry, n, &tline);
		int w = ix->nlens ? idx_text_windows(&x, n, &wline) : 0;
		if (w < 0) {
			r = trex_err_set(err, w, "%s", path);
		} else if (t || w) {
			*line = t && w ? (tline < wline ? tline : wline) : t ? tline : wline;
			r = 1;
		} else if (!ix->nlens) {
			x.carry = 0;
		}
	}
	if (r == 0 && ferror(f))
		r = trex_err_set(err, -EIO, "%s:0:0: unreadable: %s", path,
				 sdc_vocab_code_text("unreadable"));
	if (r == 0 && idx_text_token(&x)) {
		*line = x.line;
		r = 1;
	}
	trex_free(x.buf);
	trex_free(x.sc.pre);
	return r;
}
