/* A dataset's content digest (dsdigest.h). A second pass over the files,
 * not a hook in dataset.c's reader: that one skips the rows of a file no
 * builder wants and drops line ends, and a digest must see every byte.
 * The pass runs once per dataset version (the index build), on files the
 * build has just read, so from the page cache. */
#include "dsdigest.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

static int dsdigest_cmp(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

static int dsdigest_file(EVP_MD_CTX *ctx, const FTSENT *e, size_t dirlen, struct trex_err *err)
{
	char head[4200];
	int n = snprintf(head, sizeof(head), "%s\n%lld\n", e->fts_path + dirlen,
			 (long long)e->fts_statp->st_size);
	if (n < 0 || (size_t)n >= sizeof(head))
		return trex_err_setx(err, -ENAMETOOLONG, "digest: a path below the dataset is too long");
	if (!EVP_DigestUpdate(ctx, head, (size_t)n))
		return trex_err_setx(err, -EIO, "digest: SHA-256 failed");
	_cleanup_close_ int fd = open(e->fts_accpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", e->fts_path);
	static char buf[1 << 20];
	for (;;) {
		ssize_t got = read(fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return trex_err_set(err, -errno, "read %s", e->fts_path);
		if (got == 0)
			return 0;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)got))
			return trex_err_setx(err, -EIO, "digest: SHA-256 failed");
	}
}

int dsdigest_write(const char *dir, const char *out, struct trex_err *err)
{
	char *paths[] = {(char *)dir, NULL};
	size_t dirlen = strlen(dir);
	while (dirlen > 1 && dir[dirlen - 1] == '/')
		dirlen--;
	dirlen++; /* and the slash after it */
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return trex_err_setx(err, -ENOMEM, "digest: no SHA-256 context");
	}
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, dsdigest_cmp);
	int r = fts ? 0 : trex_err_set(err, -errno, "open %s", dir);
	FTSENT *e;
	while (r == 0 && (e = fts_read(fts))) {
		size_t len = strlen(e->fts_path);
		if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR)
			r = trex_err_setx(err, -e->fts_errno, "read %s", e->fts_path);
		else if (e->fts_info == FTS_F && len > 4 && !strcmp(e->fts_path + len - 4, ".csv"))
			r = dsdigest_file(ctx, e, len > dirlen ? dirlen : 0, err);
	}
	if (fts)
		fts_close(fts);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (r == 0 && !EVP_DigestFinal_ex(ctx, md, &mdlen))
		r = trex_err_setx(err, -EIO, "digest: SHA-256 failed");
	EVP_MD_CTX_free(ctx);
	if (r < 0)
		return r;
	static const char hex[] = "0123456789abcdef";
	char text[2 * EVP_MAX_MD_SIZE + 2];
	for (unsigned int i = 0; i < mdlen; i++) {
		text[2 * i] = hex[md[i] >> 4];
		text[2 * i + 1] = hex[md[i] & 15];
	}
	text[2 * mdlen] = '\n';
	/* whole or absent, as the index's other files */
	char parent[4096];
	snprintf(parent, sizeof(parent), "%s", out);
	char *slash = strrchr(parent, '/');
	const char *name = slash ? slash + 1 : out;
	if (slash == parent)
		parent[1] = '\0';
	else if (slash)
		*slash = '\0';
	_cleanup_close_ int dfd = open(slash ? parent : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return trex_err_set(err, -errno, "open the folder of %s", out);
	return trex_write_file_atomic(dfd, name, text, 2 * mdlen + 1, 0644, err);
}
