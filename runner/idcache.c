/* Identifier index cache (idcache.h). */
#include "idcache.h"

#include <errno.h>
#include <fts.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "cleanup.h"
#include "hash.h"
#include "log.h"
#include "monclient.h"

static int idcache_fts_cmp(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* The format trex-check writes (policies/check/idindex.h IDINDEX_MAGIC):
 * part of the key, so an index cached in an older format is rebuilt, not
 * handed to a checker that would refuse it. */
#define IDCACHE_FORMAT "TREXIDS2+TREXDOM1+TREXCB1+DSDIGEST1"
/* Built by the monitor in trex-sandbox, installed root's (monitor.c):
 * part of the key too, so that an index the service built and owns
 * (before issue 16's split) is not used, and a fresh one is made. */
#define IDCACHE_BUILDER "sandbox"

/* What the index depends on, hashed: its format, the codebook's
 * threshold, path, id columns, every
 * CSV file's path, size and mtime (walked in name order, so the key is
 * stable, and without following a link: metadata only, run as root by
 * the monitor). */
int idcache_key(const struct dataset *ds, long threshold, char key[TREX_SHA256_HEX_LEN + 1],
		struct trex_err *err)
{
	struct trex_buf b;
	char *paths[] = { ds->path, NULL };
	FTS *fts;
	FTSENT *e;
	int r = 0;

	trex_buf_init(&b, 16u << 20);
	r = trex_buf_printf(&b, "format:%s\nbuilder:%s\nthreshold:%ld\n%s\n", IDCACHE_FORMAT,
			    IDCACHE_BUILDER, threshold, ds->path);
	for (size_t i = 0; r == 0 && i < ds->n_id_columns; i++)
		r = trex_buf_printf(&b, "id:%s\n", ds->id_columns[i]);
	fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, idcache_fts_cmp);
	if (!fts) {
		trex_buf_free(&b);
		return trex_err_set(err, -errno, "dataset %s", ds->path);
	}
	while (r == 0 && (e = fts_read(fts))) {
		size_t n = strlen(e->fts_path);
		if (e->fts_info == FTS_F && n > 4 && !strcmp(e->fts_path + n - 4, ".csv"))
			r = trex_buf_printf(&b, "%s %lld %lld.%09ld\n", e->fts_path,
					    (long long)e->fts_statp->st_size,
					    (long long)e->fts_statp->st_mtim.tv_sec,
					    e->fts_statp->st_mtim.tv_nsec);
	}
	fts_close(fts);
	if (r == 0)
		r = trex_sha256_hex(b.data ? b.data : "", b.len, key);
	trex_buf_free(&b);
	return r < 0 ? trex_err_set(err, r, "dataset %s: index key", ds->path) : 0;
}

/* The service's side: the monitor keys the index (the service cannot
 * walk a dataset it may not read) and builds it in trex-sandbox when it
 * is missing; the build's end arrives as a sandbox's end (monclient.c). */
/* 1 when the state filesystem has no block left for the service */
static int idcache_full(const struct config *c)
{
	char idx[PATH_MAX];
	struct statvfs sv;
	snprintf(idx, sizeof(idx), "%s/idindex", c->state_dir);
	if (statvfs(idx, &sv) < 0 && statvfs(c->state_dir, &sv) < 0)
		return 0;
	return sv.f_bavail == 0;
}

static int idcache_get_locked(const struct config *c, const struct dataset *ds, char *dir,
			      size_t len, struct trex_err *err)
{
	char key[TREX_SHA256_HEX_LEN + 1];
	pid_t pid = 0;
	int r = monc_id_index(ds->name, key, &pid, err);
	if (r < 0) {
		/* the monitor could not make the build folder: as a failed
		 * build on a full disk, tried again once space returns */
		if (r == -EPERM && idcache_full(c))
			return trex_err_setx(err, -ENOSPC, "identifier index of dataset %s: the "
					     "state filesystem is full", ds->name);
		return r;
	}
	snprintf(dir, len, "%s/idindex/%s", c->state_dir, key);
	if (pid == 0)
		return 0;
	int64_t status = 0;
	int sig = 0;
	monc_wait_exit(pid, &status, &sig);
	if (status != 0 || sig != 0) {
		/* a build that failed on a full state filesystem is made again
		 * once space returns (job.c); any other failure fails the check.
		 * The failed build's folder is still there (the monitor removes
		 * it before the next build), as the old in-process build left
		 * its half-written files. */
		int full = idcache_full(c);
		return trex_err_setx(err, full ? -ENOSPC : -EIO,
				     "identifier index of dataset %s failed%s", ds->name,
				     full ? ": the state filesystem is full" : "");
	}
	trex_log(TREX_LOG_INFO, "id_index_built", "dataset=%s key=%.16s", ds->name, key);
	return 0;
}

/* Jobs look indexes up from pool threads (job.c): one at a time, so that
 * the service never asks for a build the monitor has under way. */
static pthread_mutex_t idcache_lock = PTHREAD_MUTEX_INITIALIZER;

int idcache_get(const struct config *c, const struct dataset *ds, char *dir, size_t len,
		struct trex_err *err)
{
	pthread_mutex_lock(&idcache_lock);
	int r = idcache_get_locked(c, ds, dir, len, err);
	pthread_mutex_unlock(&idcache_lock);
	return r;
}
