/* The file half of trexd backup and restore: copying between two folder
 * trees while hashing, never following a symlink (a job's folders hold
 * what a sandbox collected; a backup may come from anywhere), and listing
 * what was copied for the manifest. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "alloc.h"
#include "bundle.h"
#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "paths.h"

#define BKP_CHUNK (256u << 10)
#define BKP_MAX_DEPTH 64

int bkp_path_ok(const char *rel)
{
	if (!rel[0] || rel[0] == '/' || strlen(rel) >= PATH_MAX)
		return 0;
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/' && !*++p)
			return 0; /* a trailing slash */
	}
	return 1;
}

int bkp_open_in(int root, const char *rel, int flags, struct trex_err *err)
{
	char part[NAME_MAX + 1];
	int dir = root;
	const char *p = rel;
	for (;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || n > NAME_MAX) {
			if (dir != root)
				close(dir);
			return trex_err_setx(err, -EINVAL, "%s: not a relative path", rel);
		}
		memcpy(part, p, n);
		part[n] = '\0';
		int last = p[n] == '\0';
		int fd = openat(dir, part,
				last ? flags | O_NOFOLLOW | O_CLOEXEC
				     : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		if (dir != root)
			close(dir);
		if (fd < 0)
			return trex_err_set(err, -e, "%s", rel);
		if (last)
			return fd;
		dir = fd;
		p += n + 1;
	}
}

int bkp_hash_copy(int in, int out, char sha[65], uint64_t *size, struct trex_err *err)
{
	_cleanup_free_ unsigned char *buf = trex_malloc(BKP_CHUNK);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int r = 0;
	*size = 0;
	if (!buf || !md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	for (;;) {
		ssize_t n = read(in, buf, BKP_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = trex_err_set(err, -errno, "read");
			break;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(md, buf, (size_t)n);
		*size += (uint64_t)n;
		if (out >= 0) {
			for (ssize_t w = 0; w < n;) {
				ssize_t m = write(out, buf + w, (size_t)(n - w));
				if (m < 0 && errno == EINTR)
					continue;
				if (m < 0) {
					r = trex_err_set(err, -errno, "write");
					break;
				}
				w += m;
			}
			if (r < 0)
				break;
		}
	}
	unsigned char d[32];
	unsigned dl = 0;
	if (r == 0 && EVP_DigestFinal_ex(md, d, &dl) == 1)
		for (unsigned i = 0; i < dl; i++)
			snprintf(sha + 2 * i, 3, "%02x", d[i]);
	EVP_MD_CTX_free(md);
	if (r == 0 && out >= 0 && fsync(out) < 0)
		r = trex_err_set(err, -errno, "fsync");
	return r;
}

static json_t *bkp_owner(json_t *o, const struct stat *st)
{
	char mode[8];
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st->st_mode & 07777));
	json_object_set_new(o, "mode", json_string(mode));
	json_object_set_new(o, "uid", json_integer(st->st_uid));
	json_object_set_new(o, "gid", json_integer(st->st_gid));
	return o;
}

int bkp_mkdirs(struct bkp *b, const char *rel, struct trex_err *err)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", rel);
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		struct stat st;
		if (mkdirat(b->dst, p, 0700) < 0) {
			if (errno != EEXIST)
				return trex_err_set(err, -errno, "mkdir %s", p);
		} else {
			_cleanup_close_ int fd = bkp_open_in(b->src, p, O_RDONLY | O_DIRECTORY, err);
			if (fd < 0 || fstat(fd, &st) < 0)
				return fd < 0 ? fd : trex_err_set(err, -errno, "%s", p);
			json_t *o = json_pack("{s:s}", "path", p);
			if (!o || json_array_append_new(b->dirs, bkp_owner(o, &st)) < 0)
				return trex_err_setx(err, -ENOMEM, "out of memory");
		}
		*s = '/';
	}
	return 0;
}

int bkp_copy(struct bkp *b, const char *rel, char *sha, struct trex_err *err)
{
	_cleanup_close_ int in = bkp_open_in(b->src, rel, O_RDONLY, err);
	if (in < 0)
		return in;
	struct stat st;
	if (fstat(in, &st) < 0)
		return trex_err_set(err, -errno, "%s", rel);
	if (!S_ISREG(st.st_mode))
		return trex_err_setx(err, -EINVAL, "%s: not a regular file", rel);
	int r = bkp_mkdirs(b, rel, err);
	if (r < 0)
		return r;
	_cleanup_close_ int out = openat(b->dst, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
						      O_CLOEXEC, 0600);
	if (out < 0)
		return trex_err_set(err, -errno, "create %s", rel);
	char h[65];
	uint64_t size;
	if ((r = bkp_hash_copy(in, out, h, &size, err)) < 0)
		return trex_err_prefix(err, "%s", rel);
	json_t *o = json_pack("{s:s,s:I,s:s}", "path", rel, "size", (json_int_t)size, "sha256", h);
	if (!o || json_array_append_new(b->files, bkp_owner(o, &st)) < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	b->bytes += size;
	if (sha)
		memcpy(sha, h, 65);
	return 0;
}

static int bkp_tree(struct bkp *b, const char *rel, int depth, struct trex_err *err)
{
	_cleanup_close_ int fd = bkp_open_in(b->src, rel, O_RDONLY | O_DIRECTORY, err);
	if (fd < 0)
		return fd;
	if (depth > BKP_MAX_DEPTH)
		return trex_err_setx(err, -ELOOP, "%s: folders nested too deep", rel);
	DIR *dir = fdopendir(fd);
	if (!dir)
		return trex_err_set(err, -errno, "%s", rel);
	fd = -1; /* the DIR owns it */
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char sub[PATH_MAX];
		struct stat st;
		if (snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name) >= (int)sizeof(sub)) {
			r = trex_err_setx(err, -ENAMETOOLONG, "%s: a name below it is too long", rel);
			break;
		}
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = trex_err_set(err, -errno, "%s", sub);
			break;
		}
		if (S_ISDIR(st.st_mode))
			r = bkp_tree(b, sub, depth + 1, err);
		else if (S_ISREG(st.st_mode))
			r = bkp_copy(b, sub, NULL, err);
		else
			b->skipped++;
	}
	closedir(dir);
	if (r == 0) {
		/* an empty folder is kept too (a job's empty logs/) */
		char probe[PATH_MAX];
		snprintf(probe, sizeof(probe), "%s/.", rel);
		r = bkp_mkdirs(b, probe, err);
	}
	return r;
}

int bkp_copy_tree(struct bkp *b, const char *rel, struct trex_err *err)
{
	return bkp_tree(b, rel, 0, err);
}

int bkp_state_dir(const char *config_file, const char *state_dir, char **out,
		  struct trex_err *err)
{
	if (state_dir) {
		*out = trex_strdup(state_dir);
		return *out ? 0 : trex_err_setx(err, -ENOMEM, "out of memory");
	}
	struct config cfg;
	int r = config_init_defaults(&cfg, err);
	if (r == 0)
		r = config_load_file(&cfg, config_file ? config_file : trex_path_config(), err);
	if (r == 0 && !cfg.state_dir)
		r = trex_err_setx(err, -EINVAL, "%s: state_dir is required",
				  config_file ? config_file : trex_path_config());
	if (r == 0 && !(*out = trex_strdup(cfg.state_dir)))
		r = trex_err_setx(err, -ENOMEM, "out of memory");
	config_free(&cfg);
	return r;
}

int bkp_verb_args(int argc, char **argv, const char *usage, int nargs, char **state,
		  struct trex_err *err)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config_file = NULL, *state_dir = NULL;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'c': config_file = optarg; break;
		case 's': state_dir = optarg; break;
		case 'h': fputs(usage, stdout); return 1;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (argc - optind != nargs || (config_file && state_dir)) {
		fputs(usage, stderr);
		return 2;
	}
	return bkp_state_dir(config_file, state_dir, state, err);
}

void bkp_undo(const char *top, int made)
{
	if (made) {
		bundle_remove(top);
		return;
	}
	DIR *d = opendir(top);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[PATH_MAX];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", top, e->d_name);
		bundle_remove(p);
	}
	if (d)
		closedir(d);
}
