/* Identifier index cache (idcache.h). */
#include "idcache.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "cleanup.h"
#include "fsutil.h"
#include "hash.h"
#include "log.h"
#include "policies/check/policy.h"

extern char **environ;

static int idcache_fts_cmp(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* The format trex-check writes (policies/check/idindex.h IDINDEX_MAGIC):
 * part of the key, so an index cached in an older format is rebuilt, not
 * handed to a checker that would refuse it. */
#define IDCACHE_FORMAT "TREXIDS2+TREXDOM1+TREXCB1"

/* What the index depends on, hashed: its format, path, id columns, every
 * CSV file's path, size and mtime (walked in name order, so the key is
 * stable). */
static int idcache_key(const struct dataset *ds, long threshold,
		       char key[TREX_SHA256_HEX_LEN + 1], struct trex_err *err)
{
	struct trex_buf b;
	char *paths[] = { ds->path, NULL };
	FTS *fts;
	FTSENT *e;
	int r = 0;

	trex_buf_init(&b, 16u << 20);
	r = trex_buf_printf(&b, "format:%s\nthreshold:%ld\n%s\n", IDCACHE_FORMAT, threshold,
			    ds->path);
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

static int idcache_get_locked(const struct config *c, const struct dataset *ds, char *dir,
			      size_t len, struct trex_err *err)
{
	char key[TREX_SHA256_HEX_LEN + 1], file[PATH_MAX], tmpdir[PATH_MAX], cols[1024];
	struct stat st;
	size_t off = 0;
	pid_t pid;
	int r, status;

	/* the codebook's threshold: the configured pack's, read as the
	 * checker's own pack is (packs.c), so that a pack built on a
	 * profile of policy_dir reads the same here */
	struct policy pol;
	char pack[PATH_MAX], threshold[24];
	snprintf(pack, sizeof(pack), "%s/%s.json", c->policy_dir, c->policy);
	r = policy_read(c->policy_dir, pack, &pol, NULL, err);
	if (r < 0)
		return r;
	snprintf(threshold, sizeof(threshold), "%ld", pol.safe_threshold);
	r = idcache_key(ds, pol.safe_threshold, key, err);
	if (r < 0)
		return r;
	snprintf(dir, len, "%s/idindex/%s", c->state_dir, key);
	snprintf(file, sizeof(file), "%s/domains.json", dir);
	if (stat(file, &st) == 0)
		return 0;
	cols[0] = '\0'; /* no id columns: the domains, and an index of nothing */
	for (size_t i = 0; i < ds->n_id_columns && off < sizeof(cols); i++)
		off += (size_t)snprintf(cols + off, sizeof(cols) - off, "%s%s", i ? "," : "",
					ds->id_columns[i]);
	/* build next to it, then rename the folder: a crash leaves no
	 * half-written index under the key */
	snprintf(tmpdir, sizeof(tmpdir), "%s/idindex/.build-%s", c->state_dir, key);
	if (trex_mkdir_p(tmpdir, 0755, err) < 0)
		return err->code;
	snprintf(file, sizeof(file), "%s/ids.bin", tmpdir);
	char domfile[PATH_MAX], cbfile[PATH_MAX];
	snprintf(domfile, sizeof(domfile), "%s/domains.json", tmpdir);
	/* the researchers' codebook, made under the pack's threshold */
	snprintf(cbfile, sizeof(cbfile), "%s/codebook.json", tmpdir);
	char *argv[] = { c->check, "--build-id-index", ds->path, "--id-columns", cols,
			 "--out", file, "--domains-out", domfile, "--codebook-out", cbfile,
			 "--threshold", threshold, NULL };
	r = posix_spawn(&pid, c->check, NULL, NULL, argv, environ);
	if (r != 0)
		return trex_err_set(err, -r, "spawn %s", c->check);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return trex_err_set(err, -errno, "wait for the identifier index");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* a build that failed on a full state filesystem is made again
		 * once space returns (job.c); any other failure fails the check */
		struct statvfs sv;
		int full = statvfs(tmpdir, &sv) == 0 && sv.f_bavail == 0;
		return trex_err_setx(err, full ? -ENOSPC : -EIO, "identifier index of dataset %s failed%s",
				     ds->name, full ? ": the state filesystem is full" : "");
	}
	/* the sandbox's unprivileged uid reads it through the bind mount */
	if (chmod(tmpdir, 0755) < 0 || rename(tmpdir, dir) < 0)
		return trex_err_set(err, -errno, "install identifier index %s", dir);
	trex_log(TREX_LOG_INFO, "id_index_built", "dataset=%s key=%.16s", ds->name, key);
	return 0;
}

/* Jobs look indexes up from pool threads (job.c): one at a time, so two
 * checks of the same dataset never build its index into one folder. */
static pthread_mutex_t idcache_lock = PTHREAD_MUTEX_INITIALIZER;

int idcache_get(const struct config *c, const struct dataset *ds, char *dir, size_t len,
		struct trex_err *err)
{
	pthread_mutex_lock(&idcache_lock);
	int r = idcache_get_locked(c, ds, dir, len, err);
	pthread_mutex_unlock(&idcache_lock);
	return r;
}
