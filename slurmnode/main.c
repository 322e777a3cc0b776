/* trex-slurm-node: what a Slurm batch script execs on the compute node
 * (docs/slurm.md). It runs as the attempt's pool uid, never as root, and
 * takes one argument, the attempt's staging folder STAGE/JOB/aN that
 * trexd's monitor made (root's, not writable by the pool uid):
 *
 *   run.json   {"argv": [...]}: the trex-sandbox command line the monitor
 *              built from its configuration and the approved manifest
 *   code/      the approved bundle (root's, read-only to the job)
 *   stage/     the pool uid's: trex-sandbox collects the outputs here
 *   result/    the pool uid's: stdout, stderr, status written here
 *
 * It starts trex-sandbox (rootless, since this is not root) with its
 * stdout, stderr and status record in result/, waits for it (the whole
 * pid namespace is gone then, so slurmstepd finds nothing left over),
 * adds "output=SHA256 SIZE PATH" for every collected file, and writes
 * result/status last, by atomic rename: trexd reads nothing before it
 * exists, and checks every output against it. None of this is trusted
 * by trexd beyond "what the node says it did" (runner/slurm_import.c). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/beneath.h"
#include "common/fsutil.h"
#include "common/hash.h"

#define NODE_RUN_MAX (1u << 20)
#define NODE_STATUS_MAX (256u << 10)
#define NODE_EXIT_SETUP 125

static int node_fail(const char *what)
{
	fprintf(stderr, "trex-slurm-node: %s: %s\n", what, strerror(errno));
	return NODE_EXIT_SETUP;
}

/* a file or folder of the monitor's: root's, writable by nobody else */
static int node_root_owned(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return 0;
	return st.st_uid == 0 && !(st.st_mode & 022);
}

static json_t *node_read_run(int adir)
{
	int fd = openat(adir, "run.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !node_root_owned(fd)) {
		if (fd >= 0)
			close(fd);
		errno = fd < 0 ? errno : EPERM;
		return NULL;
	}
	json_error_t jerr;
	json_t *run = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
	close(fd);
	json_t *argv = json_object_get(run, "argv");
	size_t n = json_array_size(argv);
	if (!run || n < 2 || n > 4096 || !json_is_string(json_array_get(argv, 0)) ||
	    json_string_value(json_array_get(argv, 0))[0] != '/') {
		json_decref(run);
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!json_is_string(json_array_get(argv, i))) {
			json_decref(run);
			errno = EINVAL;
			return NULL;
		}
	return run;
}

/* result/NAME, new, readable through the folder (0750, group trexd's service) (an attempt never runs twice: --no-requeue) */
static int node_create(int rdir, const char *name)
{
	return openat(rdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
}

/* Append "output=HEX SIZE REL" for each "collected=REL" line of the
 * record; a name the sandbox had to escape is left without a hash, so
 * trexd refuses it. */
static int node_hash_outputs(int sdir, const char *rec, size_t len, int out)
{
	const char *end = rec + len;
	for (const char *l = rec; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *le = nl ? nl : end;
		static const char key[] = "collected=";
		size_t kl = sizeof(key) - 1;
		if ((size_t)(le - l) > kl && memcmp(l, key, kl) == 0 && le - l - kl < 4096) {
			char rel[4097];
			memcpy(rel, l + kl, (size_t)(le - l - kl));
			rel[le - l - kl] = '\0';
			int fd = strchr(rel, '\\') ? -1 : trex_open_beneath(sdir, rel, O_RDONLY, 0);
			struct stat st;
			char hex[TREX_SHA256_HEX_LEN + 1];
			if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			    trex_sha256_fd(fd, hex) == 0)
				dprintf(out, "output=%s %lld %s\n", hex, (long long)st.st_size, rel);
			if (fd >= 0)
				close(fd);
		}
		l = nl ? nl + 1 : end;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] != '/') {
		fputs("usage: trex-slurm-node ATTEMPT_DIR (written by trexd's monitor)\n", stderr);
		return 2;
	}
	if (geteuid() == 0) {
		fputs("trex-slurm-node: runs as the attempt's pool uid, never root\n", stderr);
		return NODE_EXIT_SETUP;
	}
	/* a cancellation reaches trex-sandbox too (the step's processes):
	 * this one stays to write the record of how it ended */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	int adir = open(argv[1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (adir < 0)
		return node_fail("attempt folder");
	if (!node_root_owned(adir)) {
		errno = EPERM;
		return node_fail("attempt folder not the monitor's");
	}
	json_t *run = node_read_run(adir);
	if (!run)
		return node_fail("run.json");
	int rdir = openat(adir, "result", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int sdir = openat(adir, "stage", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rdir < 0 || sdir < 0)
		return node_fail("result or stage folder");
	int fo = node_create(rdir, "stdout"), fe = node_create(rdir, "stderr"),
	    fs = openat(rdir, "status.part", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0644);
	if (fo < 0 || fe < 0 || fs < 0)
		return node_fail("result files");
	json_t *av = json_object_get(run, "argv");
	size_t n = json_array_size(av);
	char **args = calloc(n + 1, sizeof(char *));
	if (!args)
		return node_fail("argv");
	for (size_t i = 0; i < n; i++)
		args[i] = (char *)json_string_value(json_array_get(av, i));
	pid_t pid = fork();
	if (pid < 0)
		return node_fail("fork");
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 ||
		    dup2(fs, 3) < 0)
			_exit(127);
		closefrom(4);
		execv(args[0], args);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	/* the record as the sandbox wrote it, then the outputs' hashes */
	char *rec = malloc(NODE_STATUS_MAX);
	ssize_t len = rec ? pread(fs, rec, NODE_STATUS_MAX, 0) : -1;
	if (len < 0)
		return node_fail("read status");
	if (lseek(fs, 0, SEEK_END) < 0)
		return node_fail("status");
	node_hash_outputs(sdir, rec, (size_t)len, fs);
	dprintf(fs, "node_exit=%d\n", rc);
	if (fsync(fs) < 0 || fsync(fo) < 0 || fsync(fe) < 0)
		return node_fail("fsync");
	if (renameat(rdir, "status.part", rdir, "status") < 0 || fsync(rdir) < 0)
		return node_fail("rename status");
	free(rec);
	free(args);
	json_decref(run);
	return rc;
}
