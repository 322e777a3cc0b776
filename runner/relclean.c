/* The release area after a restart. A SIGKILL (or a power cut) while
 * trexd wrote into STATE/release leaves temporary files that no later run
 * finishes: a release manifest's <id>.release.json.tmp.<pid> (relman.c,
 * through trex_write_file_atomic) and an output's .tmp.<name> beside its
 * final name (release.c, release_copy). Neither was ever acknowledged and a
 * restarted trexd resumes no write, so all of them go at start-up, whatever
 * their job's state: a finished job's manifest is rewritten on review and
 * on every GET .../release, so its temporary file is no sign of an
 * interrupted job (recover.c handles those).
 *
 * Nothing released is touched: only those two name patterns are removed,
 * an output's only when the store does not record that very path as
 * released (no output declared today is hidden, common/outname.c, but one
 * released by an earlier version may be named .tmp.x), and a job with released
 * outputs whose manifest copy was being written gets it written again from
 * the store, as GET .../release would. */
#include "relclean.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "access.h"
#include "log.h"
#include "store.h"

#define RELCLEAN_MANIFEST_TMP ".release.json.tmp."
#define RELCLEAN_OUTPUT_TMP ".tmp."
#define RELCLEAN_MAX_DEPTH 32

/* Released outputs of job id (JSON array, NULL when the store fails: then
 * nothing of the job is removed). */
static json_t *relclean_released(struct trexd *d, const char *id)
{
	json_t *outs = NULL;
	struct trex_err e = { 0 };
	if (store_list_outputs(d->store, id, 1, &outs, &e) < 0) {
		trex_log(TREX_LOG_ERROR, "release_clean_skipped", "job=%s code=%d", id, e.code);
		return NULL;
	}
	return outs;
}

static int relclean_has(json_t *outs, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o) {
		const char *n = json_string_value(json_object_get(o, "name"));
		if (n && strcmp(n, name) == 0)
			return 1;
	}
	return 0;
}

/* "<id>.release.json.tmp.<digits>": copies id out (1), else 0. */
static int relclean_manifest_tmp(const char *name, char *id, size_t idlen)
{
	const char *m = strstr(name, RELCLEAN_MANIFEST_TMP);
	if (!m || m == name || (size_t)(m - name) >= idlen)
		return 0;
	const char *digits = m + strlen(RELCLEAN_MANIFEST_TMP);
	if (!*digits || strspn(digits, "0123456789") != strlen(digits))
		return 0;
	memcpy(id, name, (size_t)(m - name));
	id[m - name] = '\0';
	return 1;
}

/* A subfolder of parent, opened without following a link; NULL if not. */
static DIR *relclean_opendir(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *dir = fdopendir(fd);
	if (!dir)
		close(fd);
	return dir;
}

/* The next entry of dir but . and .., with its lstat; NULL at the end. */
static struct dirent *relclean_next(DIR *dir, struct stat *st)
{
	struct dirent *e;
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    fstatat(dirfd(dir), e->d_name, st, AT_SYMLINK_NOFOLLOW) == 0)
			return e;
	return NULL;
}

struct relclean_job {
	struct trexd *d;
	const char *id;
	json_t *released; /* loaded at the first temporary file found */
	int loaded;
	int removed;
};

/* Walk one job's release folder (dir is consumed); rel is the path of the
 * folder below it ("" at the top). */
static void relclean_job_dir(struct relclean_job *j, DIR *dir, const char *rel, int depth)
{
	struct dirent *e;
	struct stat st;
	while ((e = relclean_next(dir, &st))) {
		char sub[PATH_MAX];
		int n = snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		if (n < 0 || (size_t)n >= sizeof(sub))
			continue;
		if (S_ISDIR(st.st_mode) && depth < RELCLEAN_MAX_DEPTH) {
			DIR *sub_dir = relclean_opendir(dirfd(dir), e->d_name);
			if (sub_dir)
				relclean_job_dir(j, sub_dir, sub, depth + 1);
			continue;
		}
		if (!S_ISREG(st.st_mode) ||
		    strncmp(e->d_name, RELCLEAN_OUTPUT_TMP, strlen(RELCLEAN_OUTPUT_TMP)) != 0)
			continue;
		if (!j->loaded) {
			j->loaded = 1;
			j->released = relclean_released(j->d, j->id);
		}
		if (j->released && !relclean_has(j->released, sub) &&
		    unlinkat(dirfd(dir), e->d_name, 0) == 0)
			j->removed++;
	}
	closedir(dir);
}

/* One project's folder (dir is consumed): manifest temporary files, then
 * each job's folder. Adds the ids whose manifest must be written again to
 * rewrite. */
static int relclean_project(struct trexd *d, DIR *dir, json_t *rewrite)
{
	int removed = 0;
	struct dirent *e;
	struct stat st;
	while ((e = relclean_next(dir, &st))) {
		char id[STORE_ID_MAX + 1];
		if (S_ISREG(st.st_mode) && relclean_manifest_tmp(e->d_name, id, sizeof(id))) {
			if (unlinkat(dirfd(dir), e->d_name, 0) < 0)
				continue;
			removed++;
			char final[STORE_ID_MAX + 16];
			snprintf(final, sizeof(final), "%s.release.json", id);
			if (faccessat(dirfd(dir), final, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
				json_array_append_new(rewrite, json_string(id));
		} else if (S_ISDIR(st.st_mode)) {
			DIR *job_dir = relclean_opendir(dirfd(dir), e->d_name);
			if (!job_dir)
				continue;
			struct relclean_job j = { .d = d, .id = e->d_name };
			relclean_job_dir(&j, job_dir, "", 0);
			json_decref(j.released);
			removed += j.removed;
		}
	}
	closedir(dir);
	return removed;
}

int relclean_run(struct trexd *d, struct trex_err *err)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/release", d->cfg->state_dir);
	DIR *top = opendir(p);
	if (!top)
		return errno == ENOENT ? 0 : trex_err_set(err, -errno, "open %s", p);
	json_t *rewrite = json_array();
	if (!rewrite) {
		closedir(top);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	int removed = 0;
	struct dirent *e;
	while ((e = readdir(top))) {
		if (e->d_name[0] == '.') /* project names never start with a dot */
			continue;
		DIR *project = relclean_opendir(dirfd(top), e->d_name);
		if (project)
			removed += relclean_project(d, project, rewrite);
	}
	closedir(top);
	/* after the walk, so the rewrites are not walked themselves */
	int rewritten = 0;
	size_t i;
	json_t *v;
	json_array_foreach(rewrite, i, v) {
		const char *id = json_string_value(v);
		json_t *outs = relclean_released(d, id);
		json_t *man = NULL;
		struct trex_err e2 = { 0 };
		/* only a release writes a manifest to keep: a job without
		 * released outputs (re-queued, failed) gets none */
		if (outs && json_array_size(outs) > 0) {
			if (relman_build(d, id, &man, &e2) == 0)
				rewritten++;
			else
				trex_log(TREX_LOG_ERROR, "release_manifest_failed", "job=%s code=%d", id,
					 e2.code);
		}
		json_decref(man);
		json_decref(outs);
	}
	json_decref(rewrite);
	if (removed > 0)
		trex_log(TREX_LOG_WARN, "release_tmp_removed", "count=%d manifests_rewritten=%d",
			 removed, rewritten);
	return removed;
}
