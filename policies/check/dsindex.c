/* The dataset's identifier index and category domains in one pass
 * (dsindex.h): a national extract is read once, not once per index. */
#include "dsindex.h"

#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "codebook.h"
#include "csv.h"
#include "dataset.h"
#include "domains.h"
#include "idindex.h"

struct dsindex {
	struct idindex_builder ids;
	struct domains_builder dom;
	bool with_domains;
	struct codebook_builder *cb; /* NULL: no codebook */
	size_t dirlen;
	char *cols[CSV_MAX_COLS];
	size_t ncols;
	int want[CSV_MAX_COLS]; /* this file's id fields */
	size_t nwant;
	const char *path;
	struct trex_err *err;
};

static int dsindex_header(void *ctx, const char *path, char *const *fields, size_t n)
{
	struct dsindex *x = ctx;

	x->nwant = 0;
	x->path = path;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < x->ncols; k++)
			if (!strcmp(fields[i], x->cols[k])) {
				x->want[x->nwant++] = (int)i; /* at most once a field */
				break;
			}
	if (x->cb && codebook_builder_header(x->cb, path + x->dirlen, fields, n) < 0)
		return trex_err_set(x->err, -ENOMEM, "%s", path);
	if (x->with_domains) {
		if (domains_builder_header(&x->dom, fields, n) < 0)
			return trex_err_set(x->err, -ENOMEM, "%s", path);
		return 0;
	}
	return x->nwant || x->cb ? 0 : 1;
}

static int dsindex_row(void *ctx, char *const *fields, size_t n)
{
	struct dsindex *x = ctx;

	for (size_t k = 0; k < x->nwant; k++) {
		int r;
		if ((size_t)x->want[k] >= n)
			continue;
		r = idindex_builder_add(&x->ids, fields[x->want[k]], strlen(fields[x->want[k]]));
		if (r < 0)
			return trex_err_set(x->err, r, "%s: too many identifiers", x->path);
	}
	if (x->with_domains && domains_builder_row(&x->dom, fields, n) < 0)
		return trex_err_set(x->err, -ENOMEM, "%s", x->path);
	if (x->cb && codebook_builder_row(x->cb, fields, n) < 0)
		return trex_err_set(x->err, -ENOMEM, "%s", x->path);
	return 0;
}

int dsindex_build(const char *dir, const char *id_columns, const struct dsindex_out *out,
		  size_t *nids, size_t *nvalues, size_t *ncols, struct trex_err *err)
{
	struct dsindex x = {.err = err, .with_domains = out->domains != NULL};
	struct dataset_visitor v = {dsindex_header, dsindex_row, &x};
	_cleanup_free_ char *list = trex_strdup(id_columns);
	char *save = NULL;
	int r;

	*nids = *nvalues = *ncols = 0;
	/* a file's name in the codebook: its path below the folder */
	x.dirlen = strlen(dir);
	while (x.dirlen > 1 && dir[x.dirlen - 1] == '/')
		x.dirlen--;
	x.dirlen++;
	if (!list)
		return trex_err_set(err, -ENOMEM, "id columns");
	for (char *s = strtok_r(list, ",", &save); s && x.ncols < CSV_MAX_COLS;
	     s = strtok_r(NULL, ",", &save))
		x.cols[x.ncols++] = s;
	r = idindex_builder_init(&x.ids, err);
	if (r < 0)
		return r;
	domains_builder_init(&x.dom, x.cols, x.ncols);
	if (out->codebook && (r = codebook_builder_new(&x.cb, x.cols, x.ncols, out->threshold)) < 0)
		r = r == -EINVAL ? trex_err_setx(err, r, "threshold %ld: must be 1 to %d", out->threshold,
						 CODEBOOK_MAX_THRESHOLD)
				 : trex_err_set(err, r, "codebook");
	if (r == 0)
		r = dataset_scan(dir, &v, err);
	if (r == 0)
		r = idindex_builder_write(&x.ids, out->ids, nids, err);
	if (r == 0 && out->domains)
		r = domains_builder_write(&x.dom, out->domains, nvalues, err);
	if (r == 0 && x.cb)
		r = codebook_builder_write(x.cb, out->codebook, ncols, err);
	idindex_builder_free(&x.ids);
	domains_builder_free(&x.dom);
	codebook_builder_free(x.cb);
	return r;
}
