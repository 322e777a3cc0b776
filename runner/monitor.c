/* trexd's privileged monitor (monitor.h). It never reads what clients
 * send: only the service's datagrams (monproto.c parses them), each
 * answered in turn, each field checked here against the monitor's own
 * configuration before anything happens:
 *
 *   SPAWN_RUN    a configured dataset and runtime, a job id of trexd's
 *                form whose folder STATE/jobs/ID is a real folder, every
 *                limit from 1 to the configured maximum; the command line
 *                is built here (jobargs.c) from the configuration, so the
 *                service names a job, never a bind, a uid or a path, and
 *                the job's folders go to trex-sandbox as the fds opened
 *                in the check (jobargs.h), never by path;
 *   SPAWN_CHECK  the same job rules, output_mb within the maximum, the id
 *                index a name under STATE/idindex/, the files to check
 *                safe relative paths;
 *   KILL         SIGTERM or SIGKILL, to a sandbox this monitor started;
 *   SIGN_RELEASE a canonical release manifest naming this key, whose
 *                every file the monitor hashes again itself in
 *                STATE/release/PROJECT/JOB (openat2, beneath, no links);
 *   SIGN_CHECKPOINT the checkpoint text of common/audit.c, seq, jobs and
 *                store_seq never going back from the last checkpoint
 *                signed (recorded in monitor.log, so across restarts),
 *                naming the hash the monitor finds for that line in
 *                STATE/audit.log, whose chain it verifies as it grows
 *                (audit_follow), the line last signed still as signed;
 *   ID_INDEX     a configured dataset: its identifier index key, computed
 *                here from the dataset's metadata, and when missing a
 *                build of it by trex-check in trex-sandbox, installed
 *                here (the service names datasets, it never reads them);
 *   RELOAD_STATUS whether the last SIGHUP's reload is in force here (the
 *                service's reload takes the monitor's word on datasets);
 *   ADOPT        a job id of trexd's form: the run of that job recovery
 *                kept (recover.c proved it by pid, start time and boot
 *                id), handed over once.
 *
 * A refused request is answered MON_REFUSED and recorded in the monitor's
 * own hash-chained log STATE/monitor.log (root's, 0600), which a
 * compromised service can neither write nor suppress. When the service
 * ends (exit, signal, kill -9) the monitor ends every sandbox it started
 * and exits: start-up recovery handles the store as after any crash.
 * With on_restart "adopt" the runs are left running instead, and the next
 * monitor watches the ones recovery kept (ADOPT: their pidfds; adopt.c). */
#include "monitor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "audit.h"
#include "beneath.h"
#include "cleanup.h"
#include "execrep.h"
#include "fsutil.h"
#include "hash.h"
#include "idcache.h"
#include "jobargs.h"
#include "log.h"
#include "manifest.h"
#include "monproto.h"
#include "monslurm.h"
#include "policies/check/policy.h"
#include "privdrop.h"
#include "reload.h"
#include "rtident.h"
#include "sign.h"
#include "trexd.h"

#define MON_KIDS_MAX 4096

enum mon_kid_kind { MON_KID_RUN, MON_KID_CHECK, MON_KID_INDEX, MON_KID_SLURM, MON_KID_PROBE };

struct mon_kid {
	pid_t pid;
	int kind; /* its output folder: stage/ (run), checked/ (check), idindex/.build-KEY */
	int adoptable; /* a run started with on_restart "adopt": left alive at exit */
	int adopted;   /* a run an earlier trexd left (recover.h): not our child,
			* its end is its pidfd's, watched once the service claims it */
	int claimed;   /* MON_ADOPT named it */
	int pidfd;
	char job[MON_JOB_ID_MAX + 1];
	char key[TREX_SHA256_HEX_LEN + 1]; /* MON_KID_INDEX; MON_KID_PROBE: the runtime */
	int out;      /* MON_KID_PROBE: its stdout's read end */
	uint64_t gen; /* MON_KID_PROBE: the configuration it probed (rt_gen) */
};

/* runtime identities (rtident.h), probed once per runtime after the
 * monitor's start or each reload (rt_gen counts reloads) */
#define MON_RTIDS_MAX 64
struct mon_rtid {
	char name[MON_NAME_MAX + 1];
	char *ident; /* canonical JSON */
};

struct monitor {
	const struct monitor_opts *o;
	struct trexd d; /* cfg only: what reload.c reads */
	struct trex_key *key;
	char key_id[65];
	char *pub_pem;
	struct audit_log log;
	int log_open;
	int listened; /* MON_LISTEN answered: the socket is the service's */
	struct mon_kid kids[MON_KIDS_MAX];
	size_t n_kids;
	/* the last checkpoint signed for this state folder, by this monitor
	 * or an earlier one (its checkpoint_signed line in monitor.log):
	 * seq, and jobs and store_seq when a checkpoint carried them */
	uint64_t last_checkpoint, last_jobs, last_store_seq;
	char last_hash[65]; /* the hash signed with last_checkpoint, or "" */
	struct audit_follow follow; /* STATE/audit.log, verified this far */
	int reload_kept_old;        /* the last SIGHUP's reload failed: why */
	char reload_err[TREX_ERR_MSG_MAX];
	struct mon_msg *msg;
	unsigned char *in, *out;
	struct pollfd pf[MON_KIDS_MAX + 2]; /* the loop's: signals, requests, adopted runs */
	pid_t pf_pid[MON_KIDS_MAX + 2];
	struct mon_rtid rtids[MON_RTIDS_MAX];
	size_t n_rtids;
	uint64_t rt_gen;
};

static const char *const mon_type_names[MON_NTYPES] = {
	[MON_HELLO] = "hello",
	[MON_SPAWN_RUN] = "spawn_run",
	[MON_SPAWN_CHECK] = "spawn_check",
	[MON_KILL] = "kill",
	[MON_SIGN_RELEASE] = "sign_release",
	[MON_SIGN_CHECKPOINT] = "sign_checkpoint",
	[MON_OK] = "ok",
	[MON_REFUSED] = "refused",
	[MON_EXITED] = "exited",
	[MON_TLS_FILES] = "tls_files",
	[MON_LISTEN] = "listen",
	[MON_ID_INDEX] = "id_index",
	[MON_RELOAD_STATUS] = "reload_status",
	[MON_SLURM] = "slurm",
	[MON_ADOPT] = "adopt",
	[MON_RUNTIME_ID] = "runtime_id",
};

void monitor_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

int monitor_load_key(const char *state_dir, struct trex_key **key, char key_id[65],
		     char **pub_pem, struct trex_err *err)
{
	char priv[PATH_MAX], pub[PATH_MAX];
	snprintf(priv, sizeof(priv), "%s/trexd.key", state_dir);
	snprintf(pub, sizeof(pub), "%s/trexd.pub", state_dir);
	if (access(priv, F_OK) < 0) {
		if (errno != ENOENT)
			return trex_err_set(err, -errno, "%s", priv);
		int r = trex_key_generate(priv, pub, err);
		if (r < 0)
			return r;
		trex_log(TREX_LOG_INFO, "trexd_key_generated", "path=%s", priv);
	}
	if (trex_key_load_private(priv, key, err) < 0)
		return err->code;
	size_t len;
	if (trex_read_file(AT_FDCWD, pub, 64 * 1024, pub_pem, &len, err) < 0)
		return err->code;
	/* the public file must belong to the private key: a swapped .pub
	 * would make clients pin a key trexd does not sign with */
	struct trex_key *pk = NULL;
	char pid[65];
	if (trex_key_parse_public(*pub_pem, len, &pk, err) < 0)
		return err->code;
	trex_key_id(pk, pid);
	trex_key_free(pk);
	trex_key_id(*key, key_id);
	if (strcmp(pid, key_id) != 0)
		return trex_err_setx(err, -EINVAL, "%s does not match %s", pub, priv);
	return 0;
}

static const char *mon_type_name(uint32_t t)
{
	return t < MON_NTYPES && mon_type_names[t] ? mon_type_names[t] : "unknown";
}

static void mon_audit(struct monitor *mo, const char *event, json_t *fields)
{
	struct trex_err err = { 0 };
	if (mo->log_open && audit_append(&mo->log, event, fields, &err) < 0)
		trex_log(TREX_LOG_ERROR, "monitor_audit_failed", "event=%s code=%d", event, err.code);
}

static int mon_reply(struct monitor *mo, struct mon_writer *w)
{
	int n = mon_end(w);
	if (n < 0)
		return n;
	return mon_send(mo->o->sock, w->buf, (size_t)n, NULL, 0);
}

/* Refuse request `type` (err says which field and why: never its value,
 * a compromised service may put anything there), on the record. */
static int mon_refuse(struct monitor *mo, uint32_t type, const struct trex_err *err)
{
	trex_log(TREX_LOG_WARN, "monitor_refused", "request=%s reason=\"%s\"", mon_type_name(type),
		 err->msg);
	json_t *f = json_pack("{s:s,s:s}", "request", mon_type_name(type), "reason", err->msg);
	mon_audit(mo, "monitor_refused", f);
	json_decref(f);
	struct mon_writer w;
	mon_begin(&w, mo->out, MON_REFUSED);
	mon_put_str(&w, err->msg, strlen(err->msg));
	return mon_reply(mo, &w);
}

static int mon_ok_fds(struct monitor *mo, uint64_t num, const char *text, const char *text2,
		      const int *fds, int n_fds)
{
	struct mon_writer w;
	mon_begin(&w, mo->out, MON_OK);
	mon_put_u64(&w, num);
	mon_put_str(&w, text ? text : "", text ? strlen(text) : 0);
	mon_put_str(&w, text2 ? text2 : "", text2 ? strlen(text2) : 0);
	int n = mon_end(&w);
	if (n < 0)
		return n;
	return mon_send(mo->o->sock, w.buf, (size_t)n, fds, n_fds);
}

static int mon_ok(struct monitor *mo, uint64_t num, const char *text, const char *text2)
{
	return mon_ok_fds(mo, num, text, text2, NULL, 0);
}

/* The configured TLS files, opened here: the service may not read the
 * key file itself (it need not be the service user's), and reads the
 * monitor's configuration's files, the one it checks requests against. */
static int mon_tls_files(struct monitor *mo, struct trex_err *err)
{
	const struct tls_config *t = &mo->d.cfg->tls;
	if (!t->listen)
		return trex_err_setx(err, -EPERM, "no tls listener is configured");
	const char *paths[MON_TLS_NFDS] = { t->cert, t->key, t->client_ca, t->crl };
	static const char *const names[MON_TLS_NFDS] = { "tls.cert", "tls.key",
							  "tls.client_ca", "tls.crl" };
	int fds[MON_TLS_NFDS] = { -1, -1, -1, -1 }, r = 0;
	int n = t->crl ? MON_TLS_NFDS : MON_TLS_NFDS - 1; /* the CRL is optional */
	for (int i = 0; i < n && r == 0; i++)
		if ((fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
			r = trex_err_set(err, -errno, "%s %s", names[i], paths[i]);
	if (r == 0)
		r = mon_ok_fds(mo, (uint64_t)n, NULL, NULL, fds, n);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r < 0 && err->code == 0 ? trex_err_set(err, r, "send") : r;
}

/* The configured unix socket, bound here and handed over (MON_LISTEN):
 * the service starts up as itself (store, recovery) before it serves,
 * and the socket's folder need not be the service user's. Once per run:
 * the socket appears when the service is ready, and a second bind would
 * take it from under a running server. */
static int mon_listen(struct monitor *mo, struct trex_err *err)
{
	const struct config *c = mo->d.cfg;
	if (mo->listened)
		return trex_err_setx(err, -EPERM, "listen: the socket was handed over already");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!c->socket || strlen(c->socket) >= sizeof(sa.sun_path))
		return trex_err_setx(err, -ENAMETOOLONG, "socket: no path, or too long");
	memcpy(sa.sun_path, c->socket, strlen(c->socket) + 1);
	struct stat st;
	if (lstat(c->socket, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return trex_err_setx(err, -EEXIST, "%s exists and is not a socket", c->socket);
		unlink(c->socket); /* stale socket of a previous run */
	}
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return trex_err_set(err, -errno, "socket");
	/* a tight umask so the socket is never wider than socket_mode */
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return trex_err_set(err, -errno, "bind %s", c->socket);
	if (chmod(c->socket, c->socket_mode) < 0)
		return trex_err_set(err, -errno, "chmod %s", c->socket);
	r = mon_ok_fds(mo, 0, NULL, NULL, &fd, 1);
	if (r == 0)
		mo->listened = 1;
	return r < 0 ? trex_err_set(err, r, "send") : 0;
}

/* rel below STATE, reached without a link on the way (the service owns
 * everything below STATE and could plant one): an fd, or -errno */
static int mon_open_state(struct monitor *mo, const char *rel)
{
	_cleanup_close_ int state = open(mo->d.cfg->state_dir,
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (state < 0)
		return -errno;
	return trex_open_beneath(state, rel, O_RDONLY | O_DIRECTORY, 0);
}

/* STATE/jobs/ID: a job id of trexd's form, and it and the folders the
 * sandbox is given real folders with no link on the way. The two folders
 * (code/ and stage/, or checkin/ and checked/) stay open in dirs[0..1]
 * and go to trex-sandbox as they are (JOBARGS_FD_CODE, _OUTPUT): a link
 * the service races in after this check is never followed. */
static int mon_check_job(struct monitor *mo, const char *id, int check, int dirs[2],
			 struct trex_err *err)
{
	if (!mon_job_id_ok(id))
		return trex_err_setx(err, -EPERM, "job: not a job id");
	static const char *const run[] = { "", "/code", "/stage", NULL };
	static const char *const chk[] = { "", "/checkin", "/checked", NULL };
	const char *const *subs = check ? chk : run;
	for (int i = 0; subs[i]; i++) {
		char rel[128];
		snprintf(rel, sizeof(rel), "jobs/%s%s", id, subs[i]);
		int fd = mon_open_state(mo, rel);
		if (fd < 0)
			return trex_err_setx(err, -EPERM, "job: no job folder%s", subs[i]);
		if (i == 0)
			close(fd);
		else
			dirs[i - 1] = fd;
	}
	return 0;
}

static void mon_close_dirs(int *dirs, int n)
{
	for (int i = 0; i < n; i++)
		if (dirs[i] >= 0) {
			close(dirs[i]);
			dirs[i] = -1;
		}
}

/* A job's sandbox, with the fds of jobargs.h: 1-3 the service's pipes,
 * 4 the seccomp profile, 5-8 the folders in dirs[0..3] (-1: none). */
static int mon_fork_exec(struct monitor *mo, char *const *argv, const int *fds,
			 const int dirs[4], pid_t *out, struct trex_err *err)
{
	_cleanup_close_ int bpf = -1;
	if (mo->o->seccomp_fd >= 0) {
		/* a fresh open file description per spawn: the sandbox reads
		 * the blob from offset 0 and must not move another's offset */
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", mo->o->seccomp_fd);
		bpf = open(path, O_RDONLY | O_CLOEXEC);
		if (bpf < 0)
			return trex_err_set(err, -errno, "seccomp profile");
	}
	_cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0)
		return trex_err_set(err, -errno, "/dev/null");
	/* an exec that fails is told through this pipe (closed by a good
	 * exec): the request is answered with it, as uv_spawn would */
	int ep[2];
	pid_t pid;
	int fr = execrep_fork(ep, &pid, err);
	if (fr < 0)
		return fr;
	if (pid == 0) {
		/* the report pipe and every source above the fixed numbers
		 * first, so that no dup2 below overwrites one */
		int report = fcntl(ep[1], F_DUPFD_CLOEXEC, JOBARGS_NFDS);
		int src[JOBARGS_NFDS] = { null, fds[0], fds[1], fds[2], bpf,
					  dirs[0], dirs[1], dirs[2], dirs[3] };
		int hi[JOBARGS_NFDS];
		if (report < 0)
			_exit(127);
		for (int i = 0; i < JOBARGS_NFDS; i++)
			if ((hi[i] = src[i] < 0 ? -1 : fcntl(src[i], F_DUPFD_CLOEXEC, 16)) < 0 &&
			    src[i] >= 0)
				_exit(127);
		for (int i = 0; i < JOBARGS_NFDS; i++) {
			if (hi[i] >= 0 && dup2(hi[i], i) < 0)
				_exit(127);
			if (hi[i] < 0)
				close(i);
		}
		closefrom(report + 1);
		if (report > JOBARGS_NFDS)
			close_range(JOBARGS_NFDS, (unsigned)report - 1, 0);
		execv(argv[0], argv);
		execrep_fail(report);
	}
	close(ep[1]);
	int r = execrep_wait(ep[0], pid, argv[0], err);
	if (r < 0)
		return r;
	*out = pid;
	return 0;
}

static int mon_index_install(struct monitor *mo, const char *key);

static int mon_add_kid(struct monitor *mo, pid_t pid, const char *job, int kind,
		       const char *key)
{
	if (mo->n_kids == MON_KIDS_MAX)
		return -EAGAIN;
	struct mon_kid *k = &mo->kids[mo->n_kids++];
	*k = (struct mon_kid){ .pid = pid, .kind = kind, .pidfd = -1, .out = -1, .gen = mo->rt_gen };
	snprintf(k->job, sizeof(k->job), "%s", job ? job : "");
	snprintf(k->key, sizeof(k->key), "%s", key ? key : "");
	return 0;
}

static struct mon_kid *mon_find_kid(struct monitor *mo, pid_t pid)
{
	for (size_t i = 0; i < mo->n_kids; i++)
		if (mo->kids[i].pid == pid)
			return &mo->kids[i];
	return NULL;
}

static int mon_spawn_run_dirs(struct monitor *mo, const struct mon_msg *m, const int *fds,
			      const int dirs[4], pid_t *pid, struct trex_err *err)
{
	const struct config *c = mo->d.cfg;
	int r;
	const struct dataset *ds = config_dataset(c, m->dataset);
	const struct runtime *rt = config_runtime(c, m->runtime);
	if (!ds)
		return trex_err_setx(err, -EPERM, "dataset: not configured");
	if (!rt)
		return trex_err_setx(err, -EPERM, "runtime: not configured");
	static const char *const names[MON_NLIMITS] = { "memory_mb", "cpu_seconds",
							"wall_seconds", "pids", "output_mb" };
	const long max[MON_NLIMITS] = { c->limits_max.memory_mb, c->limits_max.cpu_seconds,
					c->limits_max.wall_seconds, c->limits_max.pids,
					c->limits_max.output_mb };
	for (int i = 0; i < MON_NLIMITS; i++)
		if (m->limits[i] < 1 || m->limits[i] > (uint64_t)max[i])
			return trex_err_setx(err, -EPERM, "%s: not within 1 to the configured %ld",
					     names[i], max[i]);
	struct limits l = { (long)m->limits[MON_LIM_MEMORY], (long)m->limits[MON_LIM_CPU],
			    (long)m->limits[MON_LIM_WALL], (long)m->limits[MON_LIM_PIDS],
			    (long)m->limits[MON_LIM_OUTPUT] };
	json_t *cmd = json_array();
	for (size_t i = 0; cmd && i < m->n_list; i++)
		json_array_append_new(cmd, json_string(m->list[i]));
	if (!cmd || json_array_size(cmd) != m->n_list || m->list[0][0] == '\0') {
		json_decref(cmd);
		return trex_err_setx(err, -EPERM, "command: not valid UTF-8 strings");
	}
	struct jobargs a = { 0 };
	/* no job_dir: the folders go as the fds in dirs */
	jobargs_run(&a, c, ds, rt, &l, NULL, m->job, cmd, mo->o->seccomp_fd >= 0);
	json_decref(cmd);
	r = a.oom ? trex_err_setx(err, -ENOMEM, "out of memory")
		  : mon_fork_exec(mo, a.v, fds, dirs, pid, err);
	jobargs_free(&a);
	return r;
}

static int mon_spawn_run(struct monitor *mo, const struct mon_msg *m, const int *fds,
			 pid_t *pid, struct trex_err *err)
{
	int dirs[4] = { -1, -1, -1, -1 };
	int r = mon_check_job(mo, m->job, 0, dirs, err);
	/* a run that may outlive trexd records its end in jobs/ID/adopt
	 * (sandbox/adopt.c), handed over open like the other folders */
	if (r == 0 && mo->d.cfg->on_restart_adopt) {
		char rel[128];
		snprintf(rel, sizeof(rel), "jobs/%s/adopt", m->job);
		if ((dirs[2] = mon_open_state(mo, rel)) < 0)
			r = trex_err_setx(err, -EPERM, "job: no job folder/adopt");
	}
	if (r == 0)
		r = mon_spawn_run_dirs(mo, m, fds, dirs, pid, err);
	mon_close_dirs(dirs, 4);
	return r;
}

static int mon_spawn_check_dirs(struct monitor *mo, const struct mon_msg *m, const int *fds,
				int dirs[4], pid_t *pid, struct trex_err *err)
{
	const struct config *c = mo->d.cfg;
	int r = mon_check_job(mo, m->job, 1, dirs, err);
	if (r < 0)
		return r;
	if (m->num < 1 || m->num > (uint64_t)c->limits_max.output_mb)
		return trex_err_setx(err, -EPERM, "output_mb: not within 1 to the configured %ld",
				     c->limits_max.output_mb);
	char rel[256];
	if (m->ids_key[0]) {
		snprintf(rel, sizeof(rel), "idindex/%s", m->ids_key);
		if (!mon_name_ok(m->ids_key) || (dirs[2] = mon_open_state(mo, rel)) < 0)
			return trex_err_setx(err, -EPERM, "id_index: no index folder of that name");
	}
	if (m->num2 > 1)
		return trex_err_setx(err, -EPERM, "previous: not 0 or 1");
	snprintf(rel, sizeof(rel), "jobs/%s/previous", m->job);
	if (m->num2 && (dirs[3] = mon_open_state(mo, rel)) < 0)
		return trex_err_setx(err, -EPERM, "previous: no folder of previous tables");
	json_t *present = json_array();
	for (size_t i = 0; present && i < m->n_list; i++) {
		if (!manifest_path_ok(m->list[i], strlen(m->list[i]))) {
			json_decref(present);
			return trex_err_setx(err, -EPERM, "files: item %zu is not a safe relative path",
					     i);
		}
		json_array_append_new(present, json_string(m->list[i]));
	}
	if (!present || json_array_size(present) != m->n_list) {
		json_decref(present);
		return trex_err_setx(err, -EPERM, "files: not valid UTF-8 strings");
	}
	struct jobargs a = { 0 };
	/* no job_dir: the folders go as the fds in dirs (the names only
	 * say which binds there are) */
	r = jobargs_check(&a, c, NULL, m->job, (long)m->num, m->ids_key[0] ? m->ids_key : NULL,
			  m->num2 ? "previous" : NULL, present, mo->o->seccomp_fd >= 0, err);
	json_decref(present);
	if (r == 0)
		r = a.oom ? trex_err_setx(err, -ENOMEM, "out of memory")
			  : mon_fork_exec(mo, a.v, fds, dirs, pid, err);
	jobargs_free(&a);
	return r;
}

static int mon_spawn_check(struct monitor *mo, const struct mon_msg *m, const int *fds,
			   pid_t *pid, struct trex_err *err)
{
	int dirs[4] = { -1, -1, -1, -1 };
	int r = mon_spawn_check_dirs(mo, m, fds, dirs, pid, err);
	mon_close_dirs(dirs, 4);
	return r;
}

/* Remove name below dir (a stale build folder: root's files, or what a
 * build left), by directory fds, never following a link; 0 or -errno. */
static int mon_rmtree(int dir, const char *name, unsigned depth)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dir, name, 0) < 0 ? -errno : 0;
	if (depth >= 16)
		return -ELOOP;
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			r = mon_rmtree(dirfd(d), e->d_name, depth + 1);
	closedir(d);
	if (r == 0 && unlinkat(dir, name, AT_REMOVEDIR) < 0)
		r = -errno;
	return r;
}

/* STATE/idindex, root's and 0755: the service may see the keys (it names
 * them to the check) but not write there. Made here at the first build;
 * one left by an older trexd (the service's) is taken back. */
static int mon_index_dir(struct monitor *mo)
{
	_cleanup_close_ int state = open(mo->d.cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (state < 0)
		return -errno;
	if (mkdirat(state, "idindex", 0755) < 0 && errno != EEXIST)
		return -errno;
	int fd = mon_open_state(mo, "idindex");
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0 ||
	    ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	     fchown(fd, geteuid(), getegid()) < 0) ||
	    ((st.st_mode & 07777) != 0755 && fchmod(fd, 0755) < 0)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* what a build must make; the codebook (derived under the disclosure
 * rules, served to researchers: runner/codebooks.c) and the content
 * digest (the dataset's version in the reproducibility record) are the
 * ones the service may read */
static const char *const mon_index_files[] = { "ids.bin", "domains.json", "codebook.json",
					       "content.sha256" };
#define MON_INDEX_NFILES 4

/* An index as installed: idindex/KEY a real folder holding both files. */
static int mon_index_built(int idx, const char *key)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "%s/domains.json", key);
	int fd = trex_open_beneath(idx, rel, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	struct stat st;
	int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	return ok;
}

/* A finished build: idindex/.build-KEY holding exactly ids.bin,
 * domains.json, codebook.json and content.sha256, regular files; the
 * first two made readable by the job uids and not by the service (root's,
 * group the service's with no group bits, the same rule as a dataset,
 * docs/config.md), the codebook and the digest by all, in a folder the service may
 * cross (0755), then renamed to idindex/KEY in one
 * step: a crash leaves a build folder, never half an index. */
static int mon_index_install(struct monitor *mo, const char *key)
{
	char build[128];
	snprintf(build, sizeof(build), ".build-%s", key);
	_cleanup_close_ int idx = mon_index_dir(mo);
	if (idx < 0)
		return idx;
	_cleanup_close_ int bfd = trex_open_beneath(idx, build, O_RDONLY | O_DIRECTORY, 0);
	if (bfd < 0)
		return bfd;
	gid_t g = mo->o->service_uid ? mo->o->service_gid : getegid();
	mode_t fmode = mo->o->service_uid ? 0604 : 0644, dmode = 0755;
	size_t n = 0;
	int r = 0;
	_cleanup_close_ int lfd = dup(bfd);
	DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
	if (!d)
		return -errno;
	lfd = -1; /* the DIR's now */
	struct dirent *e;
	while (r == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = -EPROTO; /* anything but the index's files */
		mode_t mode = fmode;
		for (size_t i = 0; i < MON_INDEX_NFILES; i++)
			if (strcmp(e->d_name, mon_index_files[i]) == 0)
				r = 0;
		if (strcmp(e->d_name, "codebook.json") == 0 ||
		    strcmp(e->d_name, "content.sha256") == 0)
			mode = 0644;
		if (r < 0)
			break;
		int fd = trex_open_beneath(bfd, e->d_name, O_RDONLY | O_NONBLOCK, 0);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || fchown(fd, geteuid(), g) < 0 ||
		    fchmod(fd, mode) < 0)
			r = fd < 0 ? fd : -EPROTO;
		if (fd >= 0)
			close(fd);
		n++;
	}
	closedir(d);
	if (r == 0 && n != MON_INDEX_NFILES)
		r = -EPROTO;
	if (r == 0 && (fchown(bfd, geteuid(), g) < 0 || fchmod(bfd, dmode) < 0 ||
		       renameat(idx, build, idx, key) < 0))
		r = -errno;
	if (r < 0)
		trex_log(TREX_LOG_WARN, "monitor_id_index_install_failed", "key=%.16s code=%d", key, r);
	else
		trex_log(TREX_LOG_INFO, "monitor_id_index_built", "key=%.16s", key);
	return r;
}

/* MON_ID_INDEX: a configured dataset's index key, computed here from its
 * metadata; the index is built, when missing, by trex-check in
 * trex-sandbox (the dataset read-only, a fresh build folder its only
 * output, the job uid range, the seccomp profile, limits.max), not by the
 * service, which may name a dataset but not read it. The build runs
 * while the monitor answers other requests; its end is a MON_EXITED. */
static int mon_id_index(struct monitor *mo, const struct mon_msg *m, char key[65], pid_t *pid,
			struct trex_err *err)
{
	const struct config *c = mo->d.cfg;
	if (!mon_name_ok(m->dataset))
		return trex_err_setx(err, -EPERM, "dataset: not a name");
	const struct dataset *ds = config_dataset(c, m->dataset);
	if (!ds)
		return trex_err_setx(err, -EPERM, "dataset: not configured");
	/* the codebook's threshold: the configured pack's, read as the
	 * checker's own pack is (packs.c) */
	struct policy pol;
	char pack[PATH_MAX];
	struct trex_err kerr = { 0 };
	snprintf(pack, sizeof(pack), "%s/%s.json", c->policy_dir, c->policy);
	if (policy_read(c->policy_dir, pack, &pol, NULL, &kerr) < 0)
		return trex_err_setx(err, kerr.code, "policy: the configured pack does not read");
	if (idcache_key(ds, pol.safe_threshold, key, &kerr) < 0)
		return trex_err_setx(err, kerr.code, "dataset: its folder cannot be walked (%s)",
				     strerror(-kerr.code));
	_cleanup_close_ int idx = mon_index_dir(mo);
	if (idx < 0)
		return trex_err_setx(err, idx, "id_index: no index folder (%s)", strerror(-idx));
	*pid = 0;
	if (mon_index_built(idx, key))
		return 0;
	for (size_t i = 0; i < mo->n_kids; i++)
		if (mo->kids[i].kind == MON_KID_INDEX && strcmp(mo->kids[i].key, key) == 0)
			return trex_err_setx(err, -EBUSY, "dataset: its index is being built");
	if (mo->n_kids == MON_KIDS_MAX)
		return trex_err_setx(err, -EAGAIN, "too many sandboxes");
	/* a build folder left by a crash or a failed build: a fresh one */
	char build[128];
	snprintf(build, sizeof(build), ".build-%s", key);
	int r = mon_rmtree(idx, build, 0);
	if (r == 0 && mkdirat(idx, build, 0700) < 0)
		r = -errno;
	if (r < 0)
		return trex_err_setx(err, r, "id_index: no build folder (%s)", strerror(-r));
	struct jobargs a = { 0 };
	r = jobargs_index(&a, c, ds, key, pol.safe_threshold, mo->o->seccomp_fd >= 0, err);
	if (r == 0 && a.oom)
		r = trex_err_setx(err, -ENOMEM, "out of memory");
	/* its output is the build folder; what it says is not the service's
	 * to read (trex-check's stderr may quote the dataset) */
	int fds[3] = { -1, -1, -1 };
	for (int i = 0; r == 0 && i < 3; i++)
		if ((fds[i] = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
			r = trex_err_set(err, -errno, "/dev/null");
	/* the build folder handed over open, reached without a link */
	int dirs[4] = { -1, -1, -1, -1 };
	if (r == 0 && (dirs[1] = trex_open_beneath(idx, build, O_RDONLY | O_DIRECTORY, 0)) < 0)
		r = trex_err_set(err, dirs[1], "id_index: build folder");
	if (r == 0)
		r = mon_fork_exec(mo, a.v, fds, dirs, pid, err);
	if (dirs[1] >= 0)
		close(dirs[1]);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	jobargs_free(&a);
	if (r < 0)
		return r;
	mon_add_kid(mo, *pid, NULL, MON_KID_INDEX, key);
	trex_log(TREX_LOG_INFO, "monitor_id_index_build", "dataset=%s key=%.16s pid=%d", ds->name,
		 key, (int)*pid);
	return 0;
}

/* The identities probed so far: forgotten at a reload, which may change
 * the runtimes (and an operator who installs packages reloads). */
static void mon_rtids_clear(struct monitor *mo)
{
	for (size_t i = 0; i < mo->n_rtids; i++)
		trex_free(mo->rtids[i].ident);
	mo->n_rtids = 0;
	mo->rt_gen++;
}

static const char *mon_rtid_find(struct monitor *mo, const char *name)
{
	for (size_t i = 0; i < mo->n_rtids; i++)
		if (strcmp(mo->rtids[i].name, name) == 0)
			return mo->rtids[i].ident;
	return NULL;
}

/* A probe ended: what it printed (at most the pipe's size, read now
 * without waiting) becomes the runtime's identity, unless the
 * configuration was reloaded meanwhile. */
static void mon_rtid_done(struct monitor *mo, const struct mon_kid *k, int ok)
{
	const struct runtime *rt = config_runtime(mo->d.cfg, k->key);
	char *buf = trex_malloc(RTIDENT_OUT_MAX);
	size_t len = 0;
	while (buf && len < RTIDENT_OUT_MAX) {
		ssize_t n = read(k->out, buf + len, RTIDENT_OUT_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	json_t *id = buf && rt && k->gen == mo->rt_gen ? rtident_parse(rt, buf, len, ok) : NULL;
	char *text = id ? json_dumps(id, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
	if (text && !mon_rtid_find(mo, k->key) && mo->n_rtids < MON_RTIDS_MAX) {
		struct mon_rtid *r = &mo->rtids[mo->n_rtids++];
		size_t nl = strnlen(k->key, sizeof(r->name) - 1);
		memcpy(r->name, k->key, nl);
		r->name[nl] = '\0';
		r->ident = trex_strdup(text);
		if (!r->ident)
			mo->n_rtids--;
		trex_log(TREX_LOG_INFO, "monitor_runtime_probed", "runtime=%s ok=%d", k->key,
			 json_object_get(id, "probe") ? 0 : 1);
	}
	free(text);
	json_decref(id);
	trex_free(buf);
}

/* MON_RUNTIME_ID: a configured runtime's identity, or the probe that
 * finds it started in trex-sandbox (jobargs_probe), its stdout a pipe
 * read here when it ends. */
static int mon_runtime_id(struct monitor *mo, const struct mon_msg *m, pid_t *pid,
			  const char **ident, struct trex_err *err)
{
	const struct config *c = mo->d.cfg;
	if (!mon_name_ok(m->runtime))
		return trex_err_setx(err, -EPERM, "runtime: not a name");
	const struct runtime *rt = config_runtime(c, m->runtime);
	if (!rt)
		return trex_err_setx(err, -EPERM, "runtime: not configured");
	*pid = 0;
	if ((*ident = mon_rtid_find(mo, rt->name)))
		return 0;
	for (size_t i = 0; i < mo->n_kids; i++)
		if (mo->kids[i].kind == MON_KID_PROBE && strcmp(mo->kids[i].key, rt->name) == 0) {
			*pid = mo->kids[i].pid;
			return 0;
		}
	if (mo->n_kids == MON_KIDS_MAX)
		return trex_err_setx(err, -EAGAIN, "too many sandboxes");
	struct jobargs a = { 0 };
	jobargs_probe(&a, c, rt, mo->o->seccomp_fd >= 0);
	int p[2] = { -1, -1 }, fds[3] = { -1, -1, -1 }, dirs[4] = { -1, -1, -1, -1 };
	int r = a.oom ? trex_err_setx(err, -ENOMEM, "out of memory") : 0;
	if (r == 0 && pipe2(p, O_CLOEXEC) < 0)
		r = trex_err_set(err, -errno, "pipe");
	if (r == 0) {
		/* the whole listing fits: the probe never waits on a full pipe */
		(void)fcntl(p[1], F_SETPIPE_SZ, (int)RTIDENT_OUT_MAX);
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		fds[0] = p[1];
	}
	for (int i = 1; r == 0 && i < 3; i++)
		if ((fds[i] = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
			r = trex_err_set(err, -errno, "/dev/null");
	if (r == 0)
		r = mon_fork_exec(mo, a.v, fds, dirs, pid, err);
	jobargs_free(&a);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (r < 0) {
		if (p[0] >= 0)
			close(p[0]);
		return r;
	}
	mon_add_kid(mo, *pid, NULL, MON_KID_PROBE, rt->name);
	mo->kids[mo->n_kids - 1].out = p[0];
	trex_log(TREX_LOG_INFO, "monitor_runtime_probe", "runtime=%s pid=%d", rt->name, (int)*pid);
	return 0;
}

static int mon_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

/* Every file of a release manifest, hashed again in
 * STATE/release/PROJECT/JOB: the same size and SHA-256, or a refusal. */
static int mon_rehash(struct monitor *mo, const char *project, const char *job, json_t *files,
		      struct trex_err *err)
{
	if (json_array_size(files) == 0)
		return 0;
	char rel[256];
	snprintf(rel, sizeof(rel), "release/%s/%s", project, job);
	_cleanup_close_ int dfd = mon_open_state(mo, rel);
	if (dfd < 0)
		return trex_err_setx(err, -EPERM, "files: the job has no release folder");
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		const char *name = json_string_value(json_object_get(f, "file"));
		const char *sha = json_string_value(json_object_get(f, "sha256"));
		json_t *size = json_object_get(f, "size");
		if (!name || !manifest_path_ok(name, strlen(name)) || !mon_hex64(sha) ||
		    !json_is_integer(size))
			return trex_err_setx(err, -EPERM, "files[%zu]: file, sha256 or size not valid",
					     i);
		_cleanup_close_ int fd = trex_open_beneath(dfd, name, O_RDONLY | O_NONBLOCK, 0);
		struct stat st;
		char got[TREX_SHA256_HEX_LEN + 1];
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_size != (off_t)json_integer_value(size) || trex_sha256_fd(fd, got) < 0 ||
		    strcmp(got, sha) != 0)
			return trex_err_setx(err, -EPERM, "files[%zu]: not the released file", i);
	}
	return 0;
}

/* A release manifest is signed only as the canonical text of what it
 * says, naming this key, after every file it lists was hashed here. */
static int mon_check_release(struct monitor *mo, const struct mon_msg *m, struct trex_err *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(m->text, m->text_len, JSON_REJECT_DUPLICATES, &jerr);
	char *canon = json_is_object(doc)
			      ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)
			      : NULL;
	int r = 0;
	if (!canon || strlen(canon) != m->text_len || memcmp(canon, m->text, m->text_len) != 0) {
		r = trex_err_setx(err, -EPERM, "text: not a canonical JSON object");
		goto out;
	}
	const char *job = json_string_value(json_object_get(doc, "job"));
	const char *project = json_string_value(json_object_get(doc, "project"));
	const char *key_id = json_string_value(json_object_get(doc, "key_id"));
	json_t *files = json_object_get(doc, "files");
	if (json_object_get(doc, "signature") || !key_id || strcmp(key_id, mo->key_id) != 0) {
		r = trex_err_setx(err, -EPERM, "text: key_id is not this key's, or signed already");
		goto out;
	}
	if (!job || !mon_job_id_ok(job) || !project || !mon_name_ok(project) ||
	    !json_is_array(files) || json_array_size(files) > MANIFEST_MAX_OUTPUTS) {
		r = trex_err_setx(err, -EPERM, "text: job, project or files not valid");
		goto out;
	}
	r = mon_rehash(mo, project, job, files, err);
out:
	free(canon);
	json_decref(doc);
	return r;
}

/* "trex-audit-checkpoint seq=S hash=H[ jobs=J store_seq=K]" exactly as
 * audit_checkpoint_text writes it. seq, jobs and store_seq never go back
 * from the last checkpoint signed for this state folder (persisted in
 * monitor.log, so across restarts too), and jobs is at most store_seq
 * (a count of rows is at most the largest AUTOINCREMENT id given). jobs
 * and store_seq are still the service's word: the monitor does not read
 * trexd.db (docs/DESIGN.md says what this does and does not attest). */
static int mon_check_checkpoint(struct monitor *mo, const struct mon_msg *m,
				struct trex_err *err)
{
	unsigned long long seq = 0, jobs = 0, high = 0;
	char hash[65] = "", again[256];
	int used = 0;
	int n = sscanf(m->text, "trex-audit-checkpoint seq=%20llu hash=%64[0-9a-f] jobs=%20llu"
			" store_seq=%20llu%n", &seq, hash, &jobs, &high, &used);
	if (n == 4)
		snprintf(again, sizeof(again), "trex-audit-checkpoint seq=%llu hash=%s jobs=%llu"
			 " store_seq=%llu", seq, hash, jobs, high);
	else if (n == 2)
		snprintf(again, sizeof(again), "trex-audit-checkpoint seq=%llu hash=%s", seq, hash);
	if ((n != 4 && n != 2) || !mon_hex64(hash) || strcmp(again, m->text) != 0)
		return trex_err_setx(err, -EPERM, "text: not a checkpoint text");
	if (seq < mo->last_checkpoint)
		return trex_err_setx(err, -EPERM, "text: seq is before the last signed checkpoint");
	if (n == 4 && jobs > high)
		return trex_err_setx(err, -EPERM, "text: jobs is above store_seq");
	if (n == 4 && (jobs < mo->last_jobs || high < mo->last_store_seq))
		return trex_err_setx(err, -EPERM,
				     "text: jobs or store_seq is below the last signed checkpoint's");
	/* the line it names is the log's, in a chain verified here */
	char p[PATH_MAX];
	struct trex_err lerr = { 0 };
	snprintf(p, sizeof(p), "%s/audit.log", mo->d.cfg->state_dir);
	/* a monitor started after the last checkpoint was signed (by an
	 * earlier one) first finds that line as it was signed: the service
	 * may not rewrite the log's past while trexd was down either */
	if (mo->follow.seq < mo->last_checkpoint && mo->last_hash[0]) {
		if (audit_follow(p, &mo->follow, mo->last_checkpoint, &lerr) < 0 ||
		    strcmp(mo->follow.head, mo->last_hash) != 0) {
			trex_log(TREX_LOG_WARN, "monitor_audit_follow",
				 "error=\"line %llu is not the one last signed\"",
				 (unsigned long long)mo->last_checkpoint);
			audit_follow_init(&mo->follow);
			return trex_err_setx(err, -EPERM,
					     "text: the audit log's line last signed is not as signed");
		}
	}
	if (audit_follow(p, &mo->follow, seq, &lerr) < 0) {
		trex_log(TREX_LOG_WARN, "monitor_audit_follow", "error=\"%s\"", lerr.msg);
		return trex_err_setx(err, -EPERM, "text: seq is not a line of an intact audit log");
	}
	if (strcmp(mo->follow.head, hash) != 0)
		return trex_err_setx(err, -EPERM, "text: hash is not that of the audit log's line");
	/* on the monitor's own record before it is signed: a restarted
	 * monitor holds the next checkpoint to it (mon_last_checkpoint) */
	json_t *f = json_pack("{s:I,s:s}", "signed_seq", (json_int_t)seq, "signed_hash", hash);
	if (f && n == 4) {
		json_object_set_new(f, "jobs", json_integer((json_int_t)jobs));
		json_object_set_new(f, "store_seq", json_integer((json_int_t)high));
	}
	int r = f && mo->log_open ? audit_append(&mo->log, "checkpoint_signed", f, &lerr) : -EIO;
	json_decref(f);
	if (r < 0) {
		trex_log(TREX_LOG_ERROR, "monitor_audit_failed", "event=checkpoint_signed code=%d",
			 lerr.code);
		return trex_err_setx(err, -EIO, "the monitor could not record the checkpoint");
	}
	mo->last_checkpoint = seq;
	snprintf(mo->last_hash, sizeof(mo->last_hash), "%s", hash);
	if (n == 4) {
		mo->last_jobs = jobs;
		mo->last_store_seq = high;
	}
	return 0;
}

static int mon_sign(struct monitor *mo, const struct mon_msg *m, struct trex_err *err)
{
	int r = m->type == MON_SIGN_RELEASE ? mon_check_release(mo, m, err)
					    : mon_check_checkpoint(mo, m, err);
	if (r < 0)
		return mon_refuse(mo, m->type, err);
	char *sig = NULL;
	if (trex_sign(mo->key, m->text, m->text_len, &sig, err) < 0)
		return mon_refuse(mo, m->type, err);
	r = mon_ok(mo, 0, sig, NULL);
	trex_free(sig);
	return r;
}

/* MON_ADOPT: the run of job m->job that start-up recovery kept alive
 * (recover.c proved it), now watched through its pidfd; 0 when none. */
static int mon_adopt(struct monitor *mo, const struct mon_msg *m, pid_t *pid,
		     struct trex_err *err)
{
	if (!mon_job_id_ok(m->job))
		return trex_err_setx(err, -EPERM, "job: not a job id");
	*pid = 0;
	for (size_t i = 0; i < mo->n_kids; i++) {
		struct mon_kid *k = &mo->kids[i];
		if (k->adopted && !k->claimed && strcmp(k->job, m->job) == 0) {
			k->claimed = 1;
			*pid = k->pid;
			json_t *f = json_pack("{s:s,s:i}", "job", k->job, "pid", (int)k->pid);
			mon_audit(mo, "sandbox_adopted", f);
			json_decref(f);
			break;
		}
	}
	return 0;
}

static int mon_kill(struct monitor *mo, const struct mon_msg *m, struct trex_err *err)
{
	if (m->num2 != SIGTERM && m->num2 != SIGKILL)
		return trex_err_setx(err, -EPERM, "signal: not SIGTERM or SIGKILL");
	if (m->num == 0 || m->num > INT_MAX || !mon_find_kid(mo, (pid_t)m->num))
		return trex_err_setx(err, -EPERM, "pid: not a sandbox of this monitor");
	if (kill((pid_t)m->num, (int)m->num2) < 0)
		return trex_err_set(err, -errno, "kill");
	return 0;
}

/* One datagram from the service: answered, whatever it holds. */
static int mon_handle(struct monitor *mo, int n, int *fds, int n_fds)
{
	struct trex_err err = { 0 };
	struct mon_msg *m = mo->msg;
	int r;
	if (n < 0) {
		trex_err_setx(&err, -EBADMSG, "datagram over %u bytes or with too many fds",
			      MON_MSG_MAX);
		return mon_refuse(mo, 0, &err);
	}
	if (mon_parse(mo->in, (size_t)n, m, &err) < 0) {
		r = mon_refuse(mo, (size_t)n >= 8 ? mo->in[4] : 0, &err);
		goto out;
	}
	int spawn = m->type == MON_SPAWN_RUN || m->type == MON_SPAWN_CHECK ||
		    m->type == MON_SLURM;
	if (n_fds != (spawn ? MON_NFDS : 0)) {
		trex_err_setx(&err, -EPERM, "%d fds with the request", n_fds);
		r = mon_refuse(mo, m->type, &err);
		goto out;
	}
	switch (m->type) {
	case MON_HELLO:
		r = mon_ok(mo, 0, mo->key_id, mo->pub_pem);
		break;
	case MON_RELOAD_STATUS:
		/* the service cannot read the datasets: the checks of their
		 * files are the monitor's (reload.c) */
		r = mon_ok(mo, mo->reload_kept_old ? 1 : 0,
			   mo->reload_kept_old ? mo->reload_err : NULL, NULL);
		break;
	case MON_TLS_FILES:
		r = mon_tls_files(mo, &err);
		if (r < 0 && err.code)
			r = mon_refuse(mo, m->type, &err);
		break;
	case MON_LISTEN:
		r = mon_listen(mo, &err);
		if (r < 0 && err.code)
			r = mon_refuse(mo, m->type, &err);
		break;
	case MON_SPAWN_RUN:
	case MON_SPAWN_CHECK: {
		pid_t pid = -1;
		if (mo->n_kids == MON_KIDS_MAX)
			r = trex_err_setx(&err, -EAGAIN, "too many sandboxes");
		else
			r = m->type == MON_SPAWN_RUN ? mon_spawn_run(mo, m, fds, &pid, &err)
						     : mon_spawn_check(mo, m, fds, &pid, &err);
		if (r < 0) {
			r = mon_refuse(mo, m->type, &err);
			break;
		}
		mon_add_kid(mo, pid, m->job, m->type == MON_SPAWN_CHECK ? MON_KID_CHECK : MON_KID_RUN,
			    NULL);
		mo->kids[mo->n_kids - 1].adoptable =
			m->type == MON_SPAWN_RUN && mo->d.cfg->on_restart_adopt;
		r = mon_ok(mo, (uint64_t)pid, NULL, NULL);
		break;
	}
	case MON_SLURM: {
		pid_t pid = -1;
		int dirs[4] = { -1, -1, -1, -1 };
		if (mo->n_kids == MON_KIDS_MAX)
			r = trex_err_setx(&err, -EAGAIN, "too many sandboxes");
		else if (m->op == MONSLURM_SUBMIT)
			r = mon_check_job(mo, m->job, 0, dirs, &err);
		else
			r = 0;
		if (r == 0)
			r = monslurm_request(mo->d.cfg, mo->o->service_gid, m, dirs[0], fds, &pid,
					     &err);
		mon_close_dirs(dirs, 4);
		if (r < 0) {
			r = mon_refuse(mo, m->type, &err);
			break;
		}
		mon_add_kid(mo, pid, m->job, MON_KID_SLURM, NULL);
		r = mon_ok(mo, (uint64_t)pid, NULL, NULL);
		break;
	}
	case MON_ID_INDEX: {
		char key[TREX_SHA256_HEX_LEN + 1];
		pid_t pid = 0;
		if (mon_id_index(mo, m, key, &pid, &err) < 0) {
			r = mon_refuse(mo, m->type, &err);
			break;
		}
		r = mon_ok(mo, (uint64_t)pid, key, NULL);
		break;
	}
	case MON_RUNTIME_ID: {
		pid_t pid = 0;
		const char *ident = NULL;
		if (mon_runtime_id(mo, m, &pid, &ident, &err) < 0) {
			r = mon_refuse(mo, m->type, &err);
			break;
		}
		r = mon_ok(mo, (uint64_t)pid, ident ? ident : "", NULL);
		break;
	}
	case MON_KILL:
		r = mon_kill(mo, m, &err) < 0 ? mon_refuse(mo, m->type, &err) : mon_ok(mo, 0, NULL, NULL);
		break;
	case MON_ADOPT: {
		pid_t pid = 0;
		r = mon_adopt(mo, m, &pid, &err) < 0 ? mon_refuse(mo, m->type, &err)
						      : mon_ok(mo, (uint64_t)pid, NULL, NULL);
		break;
	}
	case MON_SIGN_RELEASE:
	case MON_SIGN_CHECKPOINT:
		r = mon_sign(mo, m, &err);
		break;
	default:
		trex_err_setx(&err, -EPERM, "not a request");
		r = mon_refuse(mo, m->type, &err);
		break;
	}
out:
	for (int i = 0; i < n_fds; i++)
		close(fds[i]);
	return r;
}

/* What trex-sandbox collected (root's files, regular files and folders
 * only) becomes the service user's, so that the service can remove it
 * again (recovery, a check made again). */
static void mon_give_outputs(struct monitor *mo, const struct mon_kid *k)
{
	if (!mo->o->service_uid)
		return;
	char rel[128];
	snprintf(rel, sizeof(rel), "jobs/%s", k->job);
	_cleanup_close_ int jd = mon_open_state(mo, rel);
	struct trex_err err = { 0 };
	if (jd < 0 || privdrop_chown_tree(jd, k->kind == MON_KID_CHECK ? "checked" : "stage",
					  mo->o->service_uid,
					  mo->o->service_gid, 0, &err) < 0)
		trex_log(TREX_LOG_WARN, "monitor_chown_failed", "job=%s code=%d", k->job,
			 jd < 0 ? jd : err.code);
}

static void mon_exited(struct monitor *mo, pid_t pid, uint64_t status, uint64_t sig)
{
	struct mon_writer w;
	mon_begin(&w, mo->out, MON_EXITED);
	mon_put_u64(&w, (uint64_t)pid);
	mon_put_u64(&w, status);
	mon_put_u64(&w, sig);
	int n = mon_end(&w);
	if (n > 0 && mo->o->events >= 0)
		mon_send(mo->o->events, w.buf, (size_t)n, NULL, 0);
}

/* Every child that ended: a sandbox's end goes to the service; the
 * service's own end is returned in *service_status (-1 while alive). */
static void mon_reap(struct monitor *mo, int *service_status)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == mo->o->service) {
			*service_status = st;
			continue;
		}
		struct mon_kid *k = mon_find_kid(mo, pid);
		if (!k)
			continue;
		uint64_t status = WIFEXITED(st) ? (uint64_t)WEXITSTATUS(st) : 0;
		if (k->kind == MON_KID_INDEX) {
			/* installed, or the build failed: the service is told
			 * by the status (1 when the output would not install) */
			if (WIFEXITED(st) && status == 0 && mon_index_install(mo, k->key) < 0)
				status = 1;
		} else if (k->kind == MON_KID_PROBE) {
			mon_rtid_done(mo, k, WIFEXITED(st) && status == 0);
			close(k->out);
		} else if (k->kind != MON_KID_SLURM)
			mon_give_outputs(mo, k);
		*k = mo->kids[--mo->n_kids];
		mon_exited(mo, pid, status, WIFSIGNALED(st) ? (uint64_t)WTERMSIG(st) : 0);
	}
}

/* An adopted run's pidfd said it ended (not our child: nothing to reap).
 * Its status is in its adopt folder, read by the service (adopt.c). */
static void mon_adopted_ended(struct monitor *mo, pid_t pid)
{
	struct mon_kid *k = mon_find_kid(mo, pid);
	if (!k)
		return;
	mon_give_outputs(mo, k);
	close(k->pidfd);
	*k = mo->kids[--mo->n_kids];
	mon_exited(mo, pid, 0, 0);
}

/* The sandboxes still running end with trexd, but for the runs that
 * on_restart "adopt" leaves to the next trexd (adoptable ones, and those
 * adopted from an earlier trexd): they go on and write their end to
 * their adopt folder (sandbox/adopt.c). */
static void mon_end_kids(struct monitor *mo)
{
	size_t left = 0, ended = 0;
	for (size_t i = 0; i < mo->n_kids; i++) {
		struct mon_kid *k = &mo->kids[i];
		if (k->adoptable || k->adopted) {
			if (k->pidfd >= 0)
				close(k->pidfd);
			k->pid = 0;
			left++;
			continue;
		}
		kill(k->pid, SIGKILL);
		ended++;
	}
	/* their jobs die with them (PR_SET_PDEATHSIG, pid namespace) */
	for (size_t i = 0; i < mo->n_kids; i++)
		if (mo->kids[i].pid > 0)
			waitpid(mo->kids[i].pid, NULL, 0);
	if (ended)
		trex_log(TREX_LOG_WARN, "monitor_sandboxes_ended", "count=%zu", ended);
	if (left)
		trex_log(TREX_LOG_INFO, "monitor_sandboxes_left", "count=%zu", left);
	mo->n_kids = 0;
}

/* audit_open_scan callback over monitor.log: the last checkpoint_signed
 * line's values, the floor for the next checkpoint. Values only grow
 * (each line was checked against the one before), so the last one wins;
 * a line without jobs and store_seq keeps the ones before it. */
static int mon_last_checkpoint(void *arg, uint64_t seq, const char *text, size_t len,
			       const char *hash, json_t *line)
{
	struct monitor *mo = arg;
	const char *ev = json_string_value(json_object_get(line, "event"));
	int reset = ev && strcmp(ev, "checkpoint_floor_reset") == 0;
	if (!ev || (!reset && strcmp(ev, "checkpoint_signed") != 0))
		return 0;
	if (reset) {
		mo->last_checkpoint = mo->last_jobs = mo->last_store_seq = 0;
		mo->last_hash[0] = '\0';
	}
	json_t *s = json_object_get(line, "signed_seq"), *j = json_object_get(line, "jobs"),
	       *h = json_object_get(line, "store_seq");
	const char *sh = json_string_value(json_object_get(line, "signed_hash"));
	if (json_integer_value(s) > 0 && sh && mon_hex64(sh)) {
		mo->last_checkpoint = (uint64_t)json_integer_value(s);
		snprintf(mo->last_hash, sizeof(mo->last_hash), "%s", sh);
	}
	if (json_is_integer(j) && json_is_integer(h) && json_integer_value(j) >= 0 &&
	    json_integer_value(h) >= 0) {
		mo->last_jobs = (uint64_t)json_integer_value(j);
		mo->last_store_seq = (uint64_t)json_integer_value(h);
	}
	return 0;
}

/* The operator's --accept-audit-head (runner/audit_head.c): the log was
 * cut back, on purpose, to that head, perhaps before the last checkpoint
 * signed; the floor starts over there (the head's line must still be as
 * accepted), on the monitor's record. */
static int mon_accept_head(struct monitor *mo, struct trex_err *err)
{
	uint64_t seq;
	char hash[65];
	if (!mo->o->accept_head)
		return 0;
	if (audit_parse_head(mo->o->accept_head, &seq, hash) < 0)
		return trex_err_setx(err, -EINVAL, "--accept-audit-head: not SEQ:HASH");
	json_t *f = json_pack("{s:I,s:s}", "signed_seq", (json_int_t)seq, "signed_hash", hash);
	int r = f ? audit_append(&mo->log, "checkpoint_floor_reset", f, err) : -ENOMEM;
	json_decref(f);
	if (r < 0)
		return err->code ? err->code : trex_err_setx(err, r, "out of memory");
	mo->last_checkpoint = seq;
	mo->last_jobs = mo->last_store_seq = 0;
	snprintf(mo->last_hash, sizeof(mo->last_hash), "%s", seq ? hash : "");
	return 0;
}

static int mon_start(struct monitor *mo, struct trex_err *err)
{
	mo->msg = trex_malloc(sizeof(*mo->msg));
	mo->in = trex_malloc(MON_MSG_MAX);
	mo->out = trex_malloc(MON_MSG_MAX);
	if (!mo->msg || !mo->in || !mo->out)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int r = monitor_load_key(mo->d.cfg->state_dir, &mo->key, mo->key_id, &mo->pub_pem, err);
	if (r < 0)
		return r;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/monitor.log", mo->d.cfg->state_dir);
	if (audit_open_scan(p, &mo->log, mon_last_checkpoint, mo, err) < 0)
		return trex_err_prefix(err, "monitor log");
	mo->log_open = 1;
	json_t *f = json_pack("{s:s,s:i}", "key_id", mo->key_id, "service", (int)mo->o->service);
	mon_audit(mo, "monitor_started", f);
	json_decref(f);
	/* the runs an earlier trexd left, kept by recovery for the service
	 * to claim (MON_ADOPT) */
	for (size_t i = 0; mo->o->adopted && i < mo->o->adopted->n; i++) {
		const struct recover_kept *a = &mo->o->adopted->v[i];
		if (mon_add_kid(mo, a->pid, a->job, MON_KID_RUN, NULL) < 0) {
			close(a->pidfd);
			continue;
		}
		mo->kids[mo->n_kids - 1].adopted = 1;
		mo->kids[mo->n_kids - 1].pidfd = a->pidfd;
	}
	return mon_accept_head(mo, err);
}

int monitor_run(const struct monitor_opts *o)
{
	struct monitor *mo = trex_calloc(1, sizeof(*mo));
	if (!mo)
		return 1;
	mo->o = o;
	mo->d.cfg = o->cfg;
	audit_follow_init(&mo->follow);
	sigset_t set;
	monitor_sigset(&set);
	struct trex_err err = { 0 };
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	int service_status = -1, sock_open = 1, rc = 1;
	if (sfd < 0)
		trex_err_set(&err, -errno, "signalfd");
	if (sfd < 0 || mon_start(mo, &err) < 0) {
		fprintf(stderr, "trexd: monitor: %s\n", err.msg);
		/* the service learns it at its first request (end of file) */
		if (o->service > 0)
			kill(o->service, SIGKILL);
		sock_open = 0;
	}
	for (;;) {
		if (o->service > 0 && service_status != -1)
			break;
		if (o->service <= 0 && !sock_open)
			break;
		struct pollfd *pf = mo->pf;
		pf[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = sock_open ? o->sock : -1, .events = POLLIN };
		/* the adopted runs the service waits for: their pidfds */
		nfds_t npf = 2;
		for (size_t i = 0; i < mo->n_kids; i++)
			if (mo->kids[i].adopted && mo->kids[i].claimed) {
				mo->pf_pid[npf] = mo->kids[i].pid;
				pf[npf++] = (struct pollfd){ .fd = mo->kids[i].pidfd, .events = POLLIN };
			}
		if (poll(pf, npf, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (nfds_t i = 2; i < npf; i++)
			if (pf[i].revents)
				mon_adopted_ended(mo, mo->pf_pid[i]);
		if (pf[1].revents) {
			int fds[MON_MAX_FDS], n_fds = 0;
			int n = mon_recv(o->sock, mo->in, fds, &n_fds);
			if (n == 0 || (n < 0 && n != -EMSGSIZE && n != -EAGAIN))
				sock_open = 0; /* the service is gone, or going */
			else if (mon_handle(mo, n, fds, n_fds) < 0)
				sock_open = 0;
		}
		if (sfd >= 0 && pf[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				int sig = (int)si.ssi_signo;
				if (sig == SIGCHLD)
					mon_reap(mo, &service_status);
				else if (sig == SIGHUP && o->reload) {
					struct trex_err rerr = { 0 };
					mo->reload_kept_old = reload_config(&mo->d, &rerr) < 0;
					mon_rtids_clear(mo);
					snprintf(mo->reload_err, sizeof(mo->reload_err), "%s",
						 mo->reload_kept_old ? rerr.msg : "");
					if (mo->reload_kept_old)
						trex_log(TREX_LOG_ERROR, "monitor_reload_failed",
							 "kept=old error=\"%s\"", rerr.msg);
					if (o->service > 0)
						kill(o->service, sig);
				} else if (o->service > 0 && sig != SIGHUP)
					kill(o->service, sig);
				/* one read per wake-up: the socket is polled
				 * again between two signals */
				break;
			}
		}
	}
	mon_end_kids(mo);
	if (o->service > 0 && service_status != -1) {
		if (WIFEXITED(service_status))
			rc = WEXITSTATUS(service_status);
		else {
			int sig = WIFSIGNALED(service_status) ? WTERMSIG(service_status) : 0;
			/* SIGSYS: a call outside its allowlist (runner/privdrop.c);
			 * the kernel log names it (audit type=1326) */
			trex_log(TREX_LOG_ERROR, "service_died", "signal=%d%s", sig,
				 sig == SIGSYS ? " cause=seccomp" : "");
			rc = 1;
		}
	} else if (o->service <= 0)
		rc = 0;
	/* the service bound it as root and may not remove it as itself */
	struct stat sst;
	if (o->socket && o->service > 0 && lstat(o->socket, &sst) == 0 && S_ISSOCK(sst.st_mode))
		unlink(o->socket);
	if (mo->log_open) {
		json_t *f = json_pack("{s:i}", "status", rc);
		mon_audit(mo, "monitor_stopped", f);
		json_decref(f);
		audit_close(&mo->log);
	}
	if (sfd >= 0)
		close(sfd);
	mon_rtids_clear(mo);
	trex_key_free(mo->key);
	trex_free(mo->pub_pem);
	trex_free(mo->msg);
	trex_free(mo->in);
	trex_free(mo->out);
	trex_free(mo);
	return rc;
}
