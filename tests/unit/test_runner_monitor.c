/* The privileged monitor (runner/monitor.c) against a test-only client
 * that speaks its protocol the way a compromised service process could:
 * the real monitor runs in a child process on a socketpair, with a real
 * configuration, state folder and key; every malformed, oversized and
 * out-of-policy request is refused, the monitor keeps serving, and each
 * refusal is a line of its own hash-chained log STATE/monitor.log.
 * Signatures are given only over what the monitor checked itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/audit.h"
#include "common/hash.h"
#include "common/sign.h"
#include "policies/check/policy.h"
#include "runner/idcache.h"
#include "runner/monclient.h"
#include "runner/monitor.h"
#include "runner/monproto.h"
#include "tests/unit/tconfig.h"

#define JOB "20261207T120000-0123456789ab"
#define RACE_JOB "20261207T120000-cccccccccccc"

static char dir[64], state[128], sandbox[PATH_MAX];
static struct config cfg;
static int sock = -1;
static pid_t mon = -1;
static int refusals;
static unsigned char *buf;
static struct mon_msg *reply;
static char key_id[65];
static struct trex_key *pub;
/* a run an earlier trexd left, as recovery hands it over (recover.h) */
static struct recover_adoptable kept;

static void put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* the real monitor, in a child, on the socketpair `sock` */
static void start_monitor(void)
{
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	int big = 1 << 20;
	setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	mon = fork();
	assert_true(mon >= 0);
	if (mon == 0) {
		close(sp[1]);
		sigset_t set;
		monitor_sigset(&set);
		sigprocmask(SIG_BLOCK, &set, NULL);
		struct monitor_opts o = { .cfg = &cfg, .seccomp_fd = -1, .sock = sp[0], .events = -1,
					  .service = -1, .adopted = &kept };
		_exit(monitor_run(&o));
	}
	close(sp[0]);
	sock = sp[1];
}

static int setup(void **st)
{
	snprintf(dir, sizeof(dir), "/tmp/trex-monitor-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char p[256], text[1024], msg[256];
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(p, sizeof(p), "%s/data", dir);
	if (mkdir(state, 0700) < 0 || mkdir(p, 0755) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/jobs", state);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/jobs/%s", state, JOB);
	mkdir(p, 0700);
	static const char *const subs[] = { "code", "stage", "checkin", "checked" };
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(p, sizeof(p), "%s/jobs/%s/%s", state, JOB, subs[i]);
		mkdir(p, 0700);
	}
	snprintf(p, sizeof(p), "%s/release", state);
	mkdir(p, 0755);
	/* the real trex-sandbox of this build, behind a wrapper that plays
	 * a service racing links into a job folder (test_spawn_race) */
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	snprintf(p, sizeof(p), "%s/trex-sandbox", build);
	if (!realpath(p, sandbox))
		sandbox[0] = '\0';
	snprintf(text, sizeof(text),
		 "#!/bin/sh\n"
		 "J=%s/jobs/%s\n"
		 "[ -d $J ] && mv $J $J.checked && ln -s %s/X $J\n"
		 "exec %s \"$@\"\n",
		 state, RACE_JOB, dir, sandbox[0] ? sandbox : "/nonexistent");
	snprintf(p, sizeof(p), "%s/wrap", dir);
	put_file(p, text);
	chmod(p, 0755);
	snprintf(text, sizeof(text),
		 "{\"state_dir\": \"%s\", \"socket\": \"%s/s.sock\", \"sandbox\": \"%s/wrap\",\n"
		 " \"limits\": {\"max\": {\"memory_mb\": 1024}},\n"
		 " \"datasets\": {\"synth\": {\"path\": \"%s/data\", \"id_columns\": []}}}\n",
		 state, dir, dir, dir);
	if (tconfig_parse(&cfg, "trexd.json", text, 0, msg) < 0) {
		fprintf(stderr, "config: %s\n", msg);
		return -1;
	}
	/* a live process of this test's, kept for JOB */
	pid_t k = fork();
	if (k < 0)
		return -1;
	if (k == 0) {
		for (;;)
			pause();
	}
	kept.v[0] = (struct recover_kept){ .pid = k, .pidfd = (int)syscall(SYS_pidfd_open, k, 0) };
	snprintf(kept.v[0].job, sizeof(kept.v[0].job), "%s", JOB);
	kept.n = kept.v[0].pidfd >= 0;
	start_monitor();
	buf = malloc(MON_MSG_MAX + 4096);
	reply = malloc(sizeof(*reply));
	return buf && reply ? 0 : -1;
}

static int teardown(void **st)
{
	if (kept.v[0].pid > 0 && kill(kept.v[0].pid, SIGKILL) == 0)
		waitpid(kept.v[0].pid, NULL, 0);
	close(sock);
	int status = -1;
	waitpid(mon, &status, 0);
	trex_key_free(pub);
	config_free(&cfg);
	free(buf);
	free(reply);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	/* the monitor ended by itself once its client was gone */
	return system(cmd) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Send len bytes of buf (with fds); 0 on MON_OK, -EPERM when refused. */
static int call(size_t len, const int *fds, int n_fds)
{
	struct trex_err err = { 0 };
	int r = monc_call_raw(sock, buf, len, fds, n_fds, reply, &err);
	if (r == -EPERM)
		refusals++;
	else if (r < 0)
		fail_msg("no answer: %s", err.msg);
	return r;
}

static int call_w(struct mon_writer *w, const int *fds, int n_fds)
{
	int n = mon_end(w);
	assert_true(n > 0);
	return call((size_t)n, fds, n_fds);
}

/* three pipe write ends, as the service sends with a spawn */
static void pipes(int fds[3], int keep[3])
{
	for (int i = 0; i < 3; i++) {
		int p[2];
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		keep[i] = p[0];
		fds[i] = p[1];
	}
}

static void close3(int fds[3])
{
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

static void test_hello(void **st)
{
	struct mon_writer w;
	mon_begin(&w, buf, MON_HELLO);
	assert_int_equal(call_w(&w, NULL, 0), 0);
	assert_int_equal(reply->text_len, 64);
	memcpy(key_id, reply->text, 65);
	assert_non_null(strstr(reply->text2, "BEGIN PUBLIC KEY"));
	/* the public half only: the private key stays in the monitor */
	assert_null(strstr(reply->text2, "PRIVATE"));
	struct trex_err err = { 0 };
	assert_int_equal(trex_key_parse_public(reply->text2, reply->text2_len, &pub, &err), 0);
}

/* The unix socket: bound by the monitor at the configured path with
 * socket_mode, handed over as an fd, once per run */
static void test_listen(void **st)
{
	struct mon_writer w;
	mon_begin(&w, buf, MON_LISTEN);
	int n = mon_end(&w), fds[MON_MAX_FDS], n_fds = 0;
	assert_int_equal(mon_send(sock, buf, (size_t)n, NULL, 0), 0);
	n = mon_recv(sock, buf, fds, &n_fds);
	assert_true(n > 0);
	struct trex_err err = { 0 };
	assert_int_equal(mon_parse(buf, (size_t)n, reply, &err), 0);
	assert_int_equal(reply->type, MON_OK);
	assert_int_equal(n_fds, 1);
	char p[256];
	snprintf(p, sizeof(p), "%s/s.sock", dir);
	struct stat sb;
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, cfg.socket_mode);
	/* the fd is that socket: a client reaches it once it listens */
	assert_int_equal(listen(fds[0], 4), 0);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(c);
	close(fds[0]);
	/* a second time: refused, the running server keeps its socket */
	mon_begin(&w, buf, MON_LISTEN);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	assert_non_null(strstr(reply->text, "listen"));
	assert_int_equal(lstat(p, &sb), 0);
}

static void test_malformed(void **st)
{
	struct mon_writer w;
	/* a header cut short */
	memcpy(buf, "TRXM\x01", 5);
	assert_int_equal(call(5, NULL, 0), -EPERM);
	/* bad magic */
	mon_begin(&w, buf, MON_HELLO);
	int n = mon_end(&w);
	buf[0] = 'X';
	assert_int_equal(call((size_t)n, NULL, 0), -EPERM);
	/* a body length that does not add up */
	mon_begin(&w, buf, MON_KILL);
	mon_put_u64(&w, 1);
	mon_put_u64(&w, SIGTERM);
	n = mon_end(&w);
	buf[8]++;
	assert_int_equal(call((size_t)n, NULL, 0), -EPERM);
	/* bytes after the last field */
	mon_begin(&w, buf, MON_KILL);
	mon_put_u64(&w, 1);
	mon_put_u64(&w, SIGTERM);
	mon_put_u64(&w, 0);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	/* an unknown type, and an answer sent as a request */
	mon_begin(&w, buf, 77);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	mon_begin(&w, buf, MON_EXITED);
	mon_put_u64(&w, 1);
	mon_put_u64(&w, 0);
	mon_put_u64(&w, 0);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	/* a NUL inside a string */
	mon_begin(&w, buf, MON_SIGN_CHECKPOINT);
	mon_put_str(&w, "trex\0x", 6);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	/* a number that is not 8 bytes */
	mon_begin(&w, buf, MON_KILL);
	mon_put_str(&w, "1234", 4);
	mon_put_u64(&w, SIGTERM);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	/* a list longer than allowed */
	mon_begin(&w, buf, MON_SPAWN_CHECK);
	mon_put_str(&w, JOB, strlen(JOB));
	mon_put_u64(&w, 1);
	mon_put_str(&w, "", 0);
	mon_put_u64(&w, 0);
	mon_put_u64(&w, MON_LIST_MAX + 1);
	int fds[3], keep[3];
	pipes(fds, keep);
	assert_int_equal(call_w(&w, fds, 3), -EPERM);
	close3(fds);
	close3(keep);
}

static void test_oversized(void **st)
{
	/* over MON_MSG_MAX: cut short on receipt, refused whole */
	struct mon_writer w;
	mon_begin(&w, buf, MON_SIGN_CHECKPOINT);
	size_t len = MON_MSG_MAX + 1024;
	memset(buf + MON_HDR_LEN, 'a', len - MON_HDR_LEN);
	assert_int_equal(call(len, NULL, 0), -EPERM);
	/* a field over its own maximum, inside the datagram's */
	mon_begin(&w, buf, MON_SPAWN_RUN);
	char big[MON_NAME_MAX + 2];
	memset(big, 'd', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mon_put_str(&w, JOB, strlen(JOB));
	mon_put_str(&w, big, strlen(big));
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	/* fds where none belong */
	int fds[3], keep[3];
	pipes(fds, keep);
	mon_begin(&w, buf, MON_HELLO);
	assert_int_equal(call_w(&w, fds, 1), -EPERM);
	close3(fds);
	close3(keep);
}

static int spawn_run(const char *job, const char *ds, const char *rt, uint64_t mem,
		     const char *arg0)
{
	struct mon_writer w;
	mon_begin(&w, buf, MON_SPAWN_RUN);
	mon_put_str(&w, job, strlen(job));
	mon_put_str(&w, ds, strlen(ds));
	mon_put_str(&w, rt, strlen(rt));
	uint64_t lim[MON_NLIMITS] = { mem, 10, 10, 10, 1 };
	for (int i = 0; i < MON_NLIMITS; i++)
		mon_put_u64(&w, lim[i]);
	const char *cmd[] = { arg0, "x" };
	mon_put_list(&w, cmd, 2);
	int fds[3], keep[3];
	pipes(fds, keep);
	int r = call_w(&w, fds, 3);
	close3(fds);
	close3(keep);
	return r;
}

static void test_spawn_out_of_policy(void **st)
{
	/* no job id of trexd's form: no path can be smuggled in */
	assert_int_equal(spawn_run("../../../etc", "synth", "shell", 64, "sh"), -EPERM);
	assert_non_null(strstr(reply->text, "job"));
	/* a job folder, or one of its folders, that is a link: the service
	 * owns STATE and could point it anywhere */
	char p[256], target[256];
	snprintf(p, sizeof(p), "%s/jobs/20261207T120000-aaaaaaaaaaaa", state);
	snprintf(target, sizeof(target), "%s/jobs/%s", state, JOB);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(spawn_run("20261207T120000-aaaaaaaaaaaa", "synth", "shell", 64, "sh"),
			 -EPERM);
	snprintf(p, sizeof(p), "%s/jobs/20261207T120000-bbbbbbbbbbbb", state);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/jobs/20261207T120000-bbbbbbbbbbbb/code", state);
	assert_int_equal(symlink("/etc", p), 0);
	snprintf(p, sizeof(p), "%s/jobs/20261207T120000-bbbbbbbbbbbb/stage", state);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(spawn_run("20261207T120000-bbbbbbbbbbbb", "synth", "shell", 64, "sh"),
			 -EPERM);
	assert_non_null(strstr(reply->text, "code"));
	/* well formed, but no such job folder */
	assert_int_equal(spawn_run("20261207T120000-ffffffffffff", "synth", "shell", 64, "sh"),
			 -EPERM);
	assert_int_equal(spawn_run(JOB, "secret", "shell", 64, "sh"), -EPERM);
	assert_non_null(strstr(reply->text, "dataset"));
	assert_int_equal(spawn_run(JOB, "synth", "raw-host", 64, "sh"), -EPERM);
	assert_non_null(strstr(reply->text, "runtime"));
	/* limits: within 1 and the configured maximum */
	assert_int_equal(spawn_run(JOB, "synth", "shell", 0, "sh"), -EPERM);
	assert_int_equal(spawn_run(JOB, "synth", "shell", 1025, "sh"), -EPERM);
	assert_non_null(strstr(reply->text, "memory_mb"));
	assert_int_equal(spawn_run(JOB, "synth", "shell", UINT64_MAX, "sh"), -EPERM);
	/* an empty program name */
	assert_int_equal(spawn_run(JOB, "synth", "shell", 64, ""), -EPERM);
	/* a spawn without its pipes */
	struct mon_writer w;
	mon_begin(&w, buf, MON_SPAWN_CHECK);
	mon_put_str(&w, JOB, strlen(JOB));
	mon_put_u64(&w, 1);
	mon_put_str(&w, "", 0);
	mon_put_u64(&w, 0);
	const char *files[] = { "t.csv" };
	mon_put_list(&w, files, 1);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
}

static int spawn_check(uint64_t output_mb, const char *ids, uint64_t prev, const char *file)
{
	struct mon_writer w;
	mon_begin(&w, buf, MON_SPAWN_CHECK);
	mon_put_str(&w, JOB, strlen(JOB));
	mon_put_u64(&w, output_mb);
	mon_put_str(&w, ids, strlen(ids));
	mon_put_u64(&w, prev);
	mon_put_list(&w, &file, 1);
	int fds[3], keep[3];
	pipes(fds, keep);
	int r = call_w(&w, fds, 3);
	close3(fds);
	close3(keep);
	return r;
}

static void test_check_out_of_policy(void **st)
{
	/* the id index: a folder name under STATE/idindex, nothing else */
	assert_int_equal(spawn_check(1, "../../etc", 0, "t.csv"), -EPERM);
	assert_int_equal(spawn_check(1, "nosuchindex", 0, "t.csv"), -EPERM);
	assert_non_null(strstr(reply->text, "id_index"));
	/* previous tables: a flag; the folder must be the job's own */
	assert_int_equal(spawn_check(1, "", 2, "t.csv"), -EPERM);
	assert_int_equal(spawn_check(1, "", 1, "t.csv"), -EPERM);
	assert_non_null(strstr(reply->text, "previous"));
	/* files to check: safe relative paths */
	assert_int_equal(spawn_check(1, "", 0, "../../etc/shadow"), -EPERM);
	assert_int_equal(spawn_check(1, "", 0, "/etc/shadow"), -EPERM);
	assert_non_null(strstr(reply->text, "files"));
	assert_int_equal(spawn_check(0, "", 0, "t.csv"), -EPERM);
	assert_int_equal(spawn_check(1u << 30, "", 0, "t.csv"), -EPERM);
}

/* A job folder the monitor checked, swapped for a link to a folder of
 * the service's making after the check (the wrapper in front of
 * trex-sandbox does it, deterministically, between the monitor's openat2
 * and the sandbox's mounts): the job still gets the code/ that was
 * checked as /job, and its outputs still land in the stage/ that was
 * checked, not where the link points (docs/DESIGN.md "The monitor's
 * interface"). */
static void test_spawn_race(void **st)
{
	if (!sandbox[0] || getuid() != 0)
		skip();
	char p[PATH_MAX], q[PATH_MAX];
	snprintf(p, sizeof(p), "%s/jobs/%s", state, RACE_JOB);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/jobs/%s/code", state, RACE_JOB);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/jobs/%s/code/m", state, RACE_JOB);
	put_file(p, "checked\n");
	snprintf(p, sizeof(p), "%s/jobs/%s/stage", state, RACE_JOB);
	assert_int_equal(mkdir(p, 0755), 0);
	/* where the service's link points: a job folder of its making */
	snprintf(p, sizeof(p), "%s/X", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/X/code", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/X/code/m", dir);
	put_file(p, "raced\n");
	snprintf(p, sizeof(p), "%s/X/stage", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	/* the job's folders must be reachable by the job's uid */
	chmod(dir, 0755);
	chmod(state, 0755);
	snprintf(p, sizeof(p), "%s/jobs", state);
	chmod(p, 0755);

	struct mon_writer w;
	mon_begin(&w, buf, MON_SPAWN_RUN);
	mon_put_str(&w, RACE_JOB, strlen(RACE_JOB));
	mon_put_str(&w, "synth", 5);
	mon_put_str(&w, "shell", 5);
	uint64_t lim[MON_NLIMITS] = { 256, 10, 20, 16, 1 };
	for (int i = 0; i < MON_NLIMITS; i++)
		mon_put_u64(&w, lim[i]);
	/* m in the cwd: /job, the folder handed over */
	const char *cmd[] = { "sh", "-c", "cat m; echo out > /output/o" };
	mon_put_list(&w, cmd, 3);
	int fds[3], keep[3];
	pipes(fds, keep);
	int r = call_w(&w, fds, 3);
	close3(fds);
	assert_int_equal(r, 0);
	/* the job's stdout and the status record, until the sandbox ended */
	char out[256] = "", status[4096] = "";
	ssize_t n, got = 0;
	while (got < (ssize_t)sizeof(out) - 1 &&
	       (n = read(keep[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	got = 0;
	while (got < (ssize_t)sizeof(status) - 1 &&
	       (n = read(keep[2], status + got, sizeof(status) - 1 - (size_t)got)) > 0)
		got += n;
	status[got] = '\0';
	close3(keep);
	if (!strstr(status, "result=exit\n"))
		fail_msg("the sandbox: %s", status);
	assert_string_equal(out, "checked\n");
	/* the output is in the stage/ that was checked, none where the link
	 * pointed */
	snprintf(p, sizeof(p), "%s/jobs/%s.checked/stage/o", state, RACE_JOB);
	snprintf(q, sizeof(q), "%s/X/stage/o", dir);
	struct stat sb;
	assert_int_equal(lstat(q, &sb), -1);
	assert_int_equal(lstat(p, &sb), 0);
}

static void test_kill_out_of_policy(void **st)
{
	struct mon_writer w;
	/* pid 1, or trexd's own: no process the monitor did not start */
	uint64_t pids[] = { 1, (uint64_t)getpid(), 0, (uint64_t)1 << 40 };
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		mon_begin(&w, buf, MON_KILL);
		mon_put_u64(&w, pids[i]);
		mon_put_u64(&w, SIGKILL);
		assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	}
	mon_begin(&w, buf, MON_KILL);
	mon_put_u64(&w, 1);
	mon_put_u64(&w, SIGHUP);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	assert_non_null(strstr(reply->text, "signal"));
}

static int sign(uint32_t type, const char *text, char **sig)
{
	struct mon_writer w;
	mon_begin(&w, buf, type);
	mon_put_str(&w, text, strlen(text));
	int r = call_w(&w, NULL, 0);
	if (r == 0 && sig)
		*sig = strdup(reply->text);
	return r;
}

static void test_sign_checkpoint(void **st)
{
	/* the service's audit log, 12 lines of it */
	char p[256], text[256], *sig = NULL;
	struct trex_err err = { 0 };
	struct audit_log log;
	snprintf(p, sizeof(p), "%s/audit.log", state);
	assert_int_equal(audit_open(p, &log, &err), 0);
	for (int i = 0; i < 12; i++)
		assert_int_equal(audit_append(&log, "x", NULL, &err), 0);
	char h12[65];
	memcpy(h12, log.prev, sizeof(h12));
	audit_close(&log);
	struct audit_verify_result res;
	struct audit_follow f;
	audit_follow_init(&f);
	assert_int_equal(audit_follow(p, &f, 10, &err), 0);
	char h10[65];
	memcpy(h10, f.head, sizeof(h10));

	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=10 hash=%s jobs=2 store_seq=3", h10);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, &sig), 0);
	assert_int_equal(trex_verify(pub, text, strlen(text), sig, &err), 0);
	free(sig);
	/* the service's counts never go back from the last signed ones, and
	 * no store holds more jobs than its largest job seq */
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=10 hash=%s jobs=1 store_seq=3", h10);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	assert_non_null(strstr(reply->text, "jobs or store_seq is below"));
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=10 hash=%s jobs=2 store_seq=2", h10);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	assert_non_null(strstr(reply->text, "jobs or store_seq is below"));
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=10 hash=%s jobs=5 store_seq=4", h10);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	assert_non_null(strstr(reply->text, "jobs is above store_seq"));
	/* the same counts again, or more: signed */
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=10 hash=%s jobs=2 store_seq=3", h10);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), 0);
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=10 hash=%s jobs=4 store_seq=7", h10);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), 0);
	/* a hash the log's line does not have */
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=12 hash=%064d", 0);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	assert_non_null(strstr(reply->text, "hash"));
	/* a line the log does not have yet */
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=13 hash=%s", h12);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=12 hash=%s", h12);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), 0);
	/* a checkpoint without counts does not lower the floor */
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=12 hash=%s jobs=3 store_seq=7", h12);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	/* anything but a checkpoint text */
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, "I owe you 100 pounds", NULL), -EPERM);
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=12 hash=%s jobs=2 store_seq=3 ", h12);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=012 hash=%s", h12);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	/* never back over a head signed already */
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=10 hash=%s", h10);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	/* a rewritten past is not signed over: a whole new chain of 13
	 * lines (valid on its own) put in the log's place */
	char alt[256];
	snprintf(alt, sizeof(alt), "%s/alt.log", state);
	assert_int_equal(audit_open(alt, &log, &err), 0);
	for (int i = 0; i < 13; i++)
		assert_int_equal(audit_append(&log, i == 4 ? "forged" : "x", NULL, &err), 0);
	char h13[65];
	memcpy(h13, log.prev, sizeof(h13));
	audit_close(&log);
	assert_int_equal(audit_verify(alt, &res, &err), 0);
	/* the true log stays at hand for test_checkpoint_floor_persists */
	char orig[256];
	snprintf(orig, sizeof(orig), "%s/audit.orig", state);
	assert_int_equal(link(p, orig), 0);
	assert_int_equal(rename(alt, p), 0);
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=13 hash=%s", h13);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	assert_non_null(strstr(reply->text, "intact"));
}

static void release_doc(char *out, size_t len, const char *file, const char *sha, long size,
			const char *kid)
{
	snprintf(out, len,
		 "{\"files\":[{\"file\":\"%s\",\"rules\":[],\"sha256\":\"%s\",\"size\":%ld,"
		 "\"verdict\":\"pass\"}],\"issued_at\":\"2026-12-07T12:00:00Z\",\"job\":\"%s\","
		 "\"key_id\":\"%s\",\"project\":\"P\"}",
		 file, sha, size, JOB, kid);
}

static void test_sign_release(void **st)
{
	char p[512], sha[65], doc[1024], *sig = NULL;
	struct trex_err err = { 0 };
	snprintf(p, sizeof(p), "%s/release/P", state);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/release/P/%s", state, JOB);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/release/P/%s/t.csv", state, JOB);
	put_file(p, "a,n\nx,12\n");
	trex_sha256_hex("a,n\nx,12\n", 9, sha);
	release_doc(doc, sizeof(doc), "t.csv", sha, 9, key_id);
	assert_int_equal(sign(MON_SIGN_RELEASE, doc, &sig), 0);
	assert_int_equal(trex_verify(pub, doc, strlen(doc), sig, &err), 0);
	free(sig);
	/* a hash the file does not have: the monitor hashed it itself */
	char bad[65];
	snprintf(bad, sizeof(bad), "%s", sha);
	bad[0] = bad[0] == '0' ? '1' : '0';
	release_doc(doc, sizeof(doc), "t.csv", bad, 9, key_id);
	assert_int_equal(sign(MON_SIGN_RELEASE, doc, NULL), -EPERM);
	assert_non_null(strstr(reply->text, "not the released file"));
	/* the right hash, the wrong size */
	release_doc(doc, sizeof(doc), "t.csv", sha, 10, key_id);
	assert_int_equal(sign(MON_SIGN_RELEASE, doc, NULL), -EPERM);
	/* a file outside the job's release folder, or reached by a link */
	release_doc(doc, sizeof(doc), "../../../trexd.key", sha, 9, key_id);
	assert_int_equal(sign(MON_SIGN_RELEASE, doc, NULL), -EPERM);
	snprintf(p, sizeof(p), "%s/release/P/%s/link.csv", state, JOB);
	char target[256];
	snprintf(target, sizeof(target), "%s/release/P/%s/t.csv", state, JOB);
	assert_int_equal(symlink(target, p), 0);
	release_doc(doc, sizeof(doc), "link.csv", sha, 9, key_id);
	assert_int_equal(sign(MON_SIGN_RELEASE, doc, NULL), -EPERM);
	/* another key's id */
	char other[65];
	memset(other, 'b', 64);
	other[64] = '\0';
	release_doc(doc, sizeof(doc), "t.csv", sha, 9, other);
	assert_int_equal(sign(MON_SIGN_RELEASE, doc, NULL), -EPERM);
	/* not the canonical form: what is signed must be what was read */
	release_doc(doc, sizeof(doc), "t.csv", sha, 9, key_id);
	char spaced[1100];
	snprintf(spaced, sizeof(spaced), " %s", doc);
	assert_int_equal(sign(MON_SIGN_RELEASE, spaced, NULL), -EPERM);
	assert_int_equal(sign(MON_SIGN_RELEASE, "[1,2]", NULL), -EPERM);
}

static int id_index(const char *ds)
{
	struct mon_writer w;
	mon_begin(&w, buf, MON_ID_INDEX);
	mon_put_str(&w, ds, strlen(ds));
	return call_w(&w, NULL, 0);
}

static int runtime_id(const char *rt)
{
	struct mon_writer w;
	mon_begin(&w, buf, MON_RUNTIME_ID);
	mon_put_str(&w, rt, strlen(rt));
	return call_w(&w, NULL, 0);
}

/* MON_RUNTIME_ID names a configured runtime, nothing else; the monitor
 * probes it in trex-sandbox (the service runs no program) once and then
 * answers with the identity it kept */
static void test_runtime_id(void **st)
{
	assert_int_equal(runtime_id("ruby"), -EPERM);
	assert_non_null(strstr(reply->text, "runtime: not configured"));
	assert_int_equal(runtime_id("../bin"), -EPERM);
	assert_non_null(strstr(reply->text, "runtime: not a name"));
	char big[MON_NAME_MAX + 2];
	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(runtime_id(big), -EPERM);
	assert_non_null(strstr(reply->text, "field runtime"));
	assert_int_equal(runtime_id(""), -EPERM);
	int fds[3], keep[3];
	pipes(fds, keep);
	struct mon_writer w;
	mon_begin(&w, buf, MON_RUNTIME_ID);
	mon_put_str(&w, "shell", 5);
	assert_int_equal(call_w(&w, fds, 3), -EPERM);
	close3(fds);
	close3(keep);
	if (!sandbox[0] || geteuid() != 0)
		return; /* the probe needs this build's trex-sandbox, as root */
	/* the first ask starts the probe (a pid); asked while it runs, the
	 * same pid, no second probe; once it ended, the identity */
	assert_int_equal(runtime_id("shell"), 0);
	uint64_t pid = reply->num;
	assert_true(pid > 0);
	assert_int_equal(reply->text_len, 0);
	int n = 0;
	while (runtime_id("shell") == 0 && reply->num != 0 && n++ < 400) {
		assert_int_equal(reply->num, pid);
		usleep(25000);
	}
	assert_int_equal(reply->num, 0);
	json_t *id = json_loadb(reply->text, reply->text_len, 0, NULL);
	assert_non_null(id);
	assert_string_equal(json_string_value(json_object_get(id, "name")), "shell");
	assert_string_equal(json_string_value(json_object_get(id, "like")), "shell");
	assert_non_null(json_string_value(json_object_get(json_object_get(id, "interpreters"), "sh")));
	assert_int_equal(strlen(json_string_value(json_object_get(id, "packages_sha256"))), 64);
	assert_true(json_integer_value(json_object_get(id, "packages")) > 10);
	json_decref(id);
	/* kept: asked again, the same answer at once */
	assert_int_equal(runtime_id("shell"), 0);
	assert_int_equal(reply->num, 0);
	assert_true(reply->text_len > 0);
}

/* MON_ID_INDEX names a dataset, nothing else: the monitor keys it (the
 * service cannot read it) and answers with the key */
static void test_id_index(void **st)
{
	/* not configured, not a name: refused, the field named */
	assert_int_equal(id_index("secret"), -EPERM);
	assert_non_null(strstr(reply->text, "dataset: not configured"));
	assert_int_equal(id_index("../data"), -EPERM);
	assert_non_null(strstr(reply->text, "dataset: not a name"));
	assert_int_equal(id_index("/etc"), -EPERM);
	assert_non_null(strstr(reply->text, "dataset"));
	/* oversized: the field over its maximum, refused by the parser */
	char big[MON_NAME_MAX + 2];
	memset(big, 's', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(id_index(big), -EPERM);
	assert_non_null(strstr(reply->text, "field dataset"));
	/* empty, bytes after it, or with fds */
	assert_int_equal(id_index(""), -EPERM);
	struct mon_writer w;
	mon_begin(&w, buf, MON_ID_INDEX);
	mon_put_str(&w, "synth", 5);
	mon_put_u64(&w, 1);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	int fds[3], keep[3];
	pipes(fds, keep);
	mon_begin(&w, buf, MON_ID_INDEX);
	mon_put_str(&w, "synth", 5);
	assert_int_equal(call_w(&w, fds, 3), -EPERM);
	close3(fds);
	close3(keep);
	/* STATE/idindex a link the service planted: refused, the link not
	 * followed (the service owns STATE) */
	char p[512], target[256];
	snprintf(p, sizeof(p), "%s/idindex", state);
	snprintf(target, sizeof(target), "%s/data", dir);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(id_index("synth"), -EPERM);
	assert_non_null(strstr(reply->text, "id_index"));
	assert_int_equal(unlink(p), 0);
	/* built already: the key, computed as idcache.c does, and no build
	 * (0); the folder is made root's (the monitor's) */
	char key[65];
	struct trex_err err = { 0 };
	struct policy pol;
	char pack[PATH_MAX];
	snprintf(pack, sizeof(pack), "%s/%s.json", cfg.policy_dir, cfg.policy);
	assert_int_equal(policy_read(cfg.policy_dir, pack, &pol, NULL, &err), 0);
	assert_int_equal(idcache_key(&cfg.datasets[0], pol.safe_threshold, key, &err), 0);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/idindex/%s", state, key);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/idindex/%s/domains.json", state, key);
	put_file(p, "{}");
	assert_int_equal(id_index("synth"), 0);
	assert_int_equal(reply->num, 0);
	assert_string_equal(reply->text, key);
	snprintf(p, sizeof(p), "%s/idindex", state);
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
	assert_int_equal(sb.st_uid, geteuid());
}

/* the last reload's outcome: the service cannot check the datasets'
 * files itself and asks (reload.c); no body, no fds */
static void test_reload_status(void **st)
{
	struct mon_writer w;
	mon_begin(&w, buf, MON_RELOAD_STATUS);
	assert_int_equal(call_w(&w, NULL, 0), 0);
	assert_int_equal(reply->num, 0);
	mon_begin(&w, buf, MON_RELOAD_STATUS);
	mon_put_str(&w, "x", 1);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
}

/* ADOPT: the run recovery kept for a job, to this job alone, once; the
 * monitor may then signal it */
static void test_adopt(void **st)
{
	struct mon_writer w;
	assert_int_equal(kept.n, 1);
	mon_begin(&w, buf, MON_ADOPT);
	mon_put_str(&w, "x", 1);
	assert_int_equal(call_w(&w, NULL, 0), -EPERM);
	mon_begin(&w, buf, MON_ADOPT);
	mon_put_str(&w, "20261207T120000-000000000000", 28);
	assert_int_equal(call_w(&w, NULL, 0), 0);
	assert_int_equal(reply->num, 0);
	mon_begin(&w, buf, MON_ADOPT);
	mon_put_str(&w, JOB, strlen(JOB));
	assert_int_equal(call_w(&w, NULL, 0), 0);
	assert_int_equal(reply->num, (uint64_t)kept.v[0].pid);
	mon_begin(&w, buf, MON_ADOPT);
	mon_put_str(&w, JOB, strlen(JOB));
	assert_int_equal(call_w(&w, NULL, 0), 0);
	assert_int_equal(reply->num, 0);
	mon_begin(&w, buf, MON_KILL);
	mon_put_u64(&w, (uint64_t)kept.v[0].pid);
	mon_put_u64(&w, SIGTERM);
	assert_int_equal(call_w(&w, NULL, 0), 0);
	int status = 0;
	assert_int_equal(waitpid(kept.v[0].pid, &status, 0), kept.v[0].pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	kept.v[0].pid = 0;
}

struct count {
	int refused;
	int signed_checkpoints;
};

static int count_line(void *arg, uint64_t seq, const char *text, size_t len, const char *hash,
		      json_t *line)
{
	struct count *c = arg;
	const char *ev = json_string_value(json_object_get(line, "event"));
	if (ev && strcmp(ev, "monitor_refused") == 0)
		c->refused++;
	if (ev && strcmp(ev, "checkpoint_signed") == 0)
		c->signed_checkpoints++;
	return 0;
}

/* every refusal is on the monitor's own record, in an intact chain */
static void test_refusals_audited(void **st)
{
	/* one more request answered: every line before it is written */
	struct mon_writer w;
	mon_begin(&w, buf, MON_HELLO);
	assert_int_equal(call_w(&w, NULL, 0), 0);
	char p[256];
	snprintf(p, sizeof(p), "%s/monitor.log", state);
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	struct count c = { 0 };
	struct audit_verify_result res;
	struct trex_err err = { 0 };
	assert_int_equal(audit_verify_scan(p, count_line, &c, &res, &err), 0);
	assert_true(refusals > 30);
	assert_int_equal(c.refused, refusals);
	/* the key file: root's alone */
	snprintf(p, sizeof(p), "%s/trexd.key", state);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

/* The floor survives the monitor: a new monitor on the same state
 * folder (the old one ended, as at a restart of trexd) refuses a
 * checkpoint over a log whose line last signed was rewritten meanwhile,
 * and one whose seq, jobs or store_seq go back from the last one signed,
 * all read from monitor.log, and records each refusal there. */
static void test_checkpoint_floor_persists(void **st)
{
	close(sock);
	int status = -1;
	assert_int_equal(waitpid(mon, &status, 0), mon);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char p[256], orig[256], text[256];
	snprintf(p, sizeof(p), "%s/audit.log", state);
	snprintf(orig, sizeof(orig), "%s/audit.orig", state);
	struct audit_follow f;
	struct trex_err err = { 0 };
	start_monitor();
	/* the rewritten log test_sign_checkpoint left: 13 lines, each chained
	 * right, but line 12 is not the line 12 signed */
	audit_follow_init(&f);
	assert_int_equal(audit_follow(p, &f, 13, &err), 0);
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=13 hash=%s jobs=4 store_seq=7",
		 f.head);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	assert_non_null(strstr(reply->text, "last signed is not as signed"));
	/* the true log back: 12 lines, its last one signed (no counts) */
	assert_int_equal(rename(orig, p), 0);
	audit_follow_init(&f);
	assert_int_equal(audit_follow(p, &f, 12, &err), 0);
	char h12[65];
	memcpy(h12, f.head, sizeof(h12));
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=12 hash=%s jobs=3 store_seq=7", h12);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	assert_non_null(strstr(reply->text, "jobs or store_seq is below"));
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=12 hash=%s jobs=4 store_seq=6", h12);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=12 hash=%s jobs=4 store_seq=7", h12);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), 0);
	/* seq too: the old monitor signed up to line 12 */
	audit_follow_init(&f);
	assert_int_equal(audit_follow(p, &f, 11, &err), 0);
	snprintf(text, sizeof(text), "trex-audit-checkpoint seq=11 hash=%s", f.head);
	assert_int_equal(sign(MON_SIGN_CHECKPOINT, text, NULL), -EPERM);
	assert_non_null(strstr(reply->text, "seq is before"));
	/* on the record: every refusal, and each checkpoint signed */
	struct mon_writer w;
	mon_begin(&w, buf, MON_HELLO);
	assert_int_equal(call_w(&w, NULL, 0), 0);
	snprintf(p, sizeof(p), "%s/monitor.log", state);
	struct count c = { 0 };
	struct audit_verify_result res;
	assert_int_equal(audit_verify_scan(p, count_line, &c, &res, &err), 0);
	assert_int_equal(c.refused, refusals);
	assert_int_equal(c.signed_checkpoints, 5);
}

int main(void)
{
	/* in order: one monitor serves them all, as one service would */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_spawn_out_of_policy),
		cmocka_unit_test(test_check_out_of_policy),
		cmocka_unit_test(test_spawn_race),
		cmocka_unit_test(test_kill_out_of_policy),
		cmocka_unit_test(test_id_index),
		cmocka_unit_test(test_runtime_id),
		cmocka_unit_test(test_reload_status),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_sign_checkpoint),
		cmocka_unit_test(test_sign_release),
		cmocka_unit_test(test_refusals_audited),
		cmocka_unit_test(test_checkpoint_floor_persists),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
