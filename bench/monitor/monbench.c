/* The privilege-separation hop, measured (bench/monitor/monitor.mk).
 * A real monitor (runner/monitor.c) runs in a child process with a
 * configuration whose "sandbox" is /bin/true, so that a spawn costs what
 * trexd's side of it costs and nothing of trex-sandbox's own start:
 *
 *   hello   MON_HELLO round trips (the socketpair and the parser);
 *   monitor SPAWN_RUN for a job, until its MON_EXITED arrives (request,
 *           checks, fork and exec in the monitor, the end reported back);
 *   direct  uv_spawn of the same command line with the same three pipes,
 *           until its exit callback (what the service did before).
 *
 * Prints the median and p90 of each, in microseconds. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "runner/config.h"
#include "runner/jobargs.h"
#include "runner/monclient.h"
#include "runner/monitor.h"
#include "runner/monproto.h"

#define JOB "20261207T120000-0123456789ab"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%-8s n=%d median %.1f us, p90 %.1f us\n", what, n, v[n / 2], v[n * 9 / 10]);
}

static void pipes3(int rd[3], int wr[3])
{
	for (int i = 0; i < 3; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			exit(1);
		rd[i] = p[0];
		wr[i] = p[1];
	}
}

static int exited;
static void on_exit_cb(uv_process_t *p, int64_t st, int sig)
{
	(void)st;
	(void)sig;
	exited = 1;
	uv_close((uv_handle_t *)p, NULL);
}

int main(int argc, char **argv)
{
	int n = 300;
	if (argc > 1) {
		char *end;
		long v;
		errno = 0;
		v = strtol(argv[1], &end, 10);
		if (errno || end == argv[1] || *end || v < 1 || v > 1000000) {
			fprintf(stderr, "monbench: N takes 1 to 1000000\n");
			return 2;
		}
		n = (int)v;
	}
	char dir[] = "/tmp/monbench-XXXXXX", p[512], text[1024];
	if (!mkdtemp(dir))
		return 1;
	snprintf(p, sizeof(p), "mkdir -p %s/state/jobs/%s/code %s/state/jobs/%s/stage %s/data", dir,
		 JOB, dir, JOB, dir);
	if (system(p) != 0)
		return 1;
	snprintf(text, sizeof(text),
		 "{\"state_dir\": \"%s/state\", \"socket\": \"%s/s.sock\", \"sandbox\": \"/bin/true\","
		 " \"seccomp_profile\": null,"
		 " \"datasets\": {\"d\": {\"path\": \"%s/data\", \"id_columns\": []}}}",
		 dir, dir, dir);
	struct config cfg;
	struct trex_err err = { 0 };
	if (config_init_defaults(&cfg, &err) < 0 ||
	    config_parse(&cfg, "monbench.json", text, strlen(text), &err) < 0) {
		fprintf(stderr, "monbench: %s\n", err.msg);
		return 1;
	}
	int sp[2], ev[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev) < 0)
		return 1;
	pid_t mon = fork();
	if (mon == 0) {
		sigset_t set;
		monitor_sigset(&set);
		sigprocmask(SIG_BLOCK, &set, NULL);
		close(sp[1]);
		close(ev[1]);
		struct monitor_opts o = { .cfg = &cfg, .seccomp_fd = -1,
					  .sock = sp[0], .events = ev[0], .service = -1 };
		_exit(monitor_run(&o));
	}
	close(sp[0]);
	close(ev[0]);
	double *v = calloc((size_t)n * 10, sizeof(double));
	unsigned char *buf = malloc(MON_MSG_MAX);
	struct mon_msg *reply = malloc(sizeof(*reply));
	struct mon_writer w;
	for (int i = 0; i < n * 10; i++) {
		mon_begin(&w, buf, MON_HELLO);
		int len = mon_end(&w);
		double t0 = now_us();
		if (monc_call_raw(sp[1], buf, (size_t)len, NULL, 0, reply, &err) < 0) {
			fprintf(stderr, "monbench: %s\n", err.msg);
			return 1;
		}
		v[i] = now_us() - t0;
	}
	report("hello", v, n * 10);
	const char *cmd[] = { "true" };
	uint64_t lim[MON_NLIMITS] = { 512, 60, 60, 64, 10 };
	for (int i = 0; i < n; i++) {
		int rd[3], wr[3];
		pipes3(rd, wr);
		mon_begin(&w, buf, MON_SPAWN_RUN);
		mon_put_str(&w, JOB, strlen(JOB));
		mon_put_str(&w, "d", 1);
		mon_put_str(&w, "shell", 5);
		for (int k = 0; k < MON_NLIMITS; k++)
			mon_put_u64(&w, lim[k]);
		mon_put_list(&w, cmd, 1);
		int len = mon_end(&w);
		double t0 = now_us();
		if (monc_call_raw(sp[1], buf, (size_t)len, wr, 3, reply, &err) < 0) {
			fprintf(stderr, "monbench: %s\n", err.msg);
			return 1;
		}
		for (int k = 0; k < 3; k++)
			close(wr[k]);
		int fds[MON_MAX_FDS], nf;
		if (mon_recv(ev[1], buf, fds, &nf) <= 0)
			return 1;
		v[i] = now_us() - t0;
		for (int k = 0; k < 3; k++)
			close(rd[k]);
	}
	report("monitor", v, n);
	/* the same command line, spawned here */
	const struct dataset *ds = config_dataset(&cfg, "d");
	const struct runtime *rt = config_runtime(&cfg, "shell");
	struct limits l = { 512, 60, 60, 64, 10 };
	json_t *jcmd = json_pack("[s]", "true");
	/* the folders on the fds the monitor would pass them on */
	char code[PATH_MAX], stage[PATH_MAX];
	snprintf(code, sizeof(code), "%s/state/jobs/%s/code", dir, JOB);
	snprintf(stage, sizeof(stage), "%s/state/jobs/%s/stage", dir, JOB);
	struct jobargs a = { 0 };
	jobargs_run(&a, &cfg, ds, rt, &l, NULL, JOB, jcmd, 0);
	uv_loop_t *loop = uv_default_loop();
	for (int i = 0; i < n; i++) {
		int rd[3], wr[3];
		pipes3(rd, wr);
		uv_stdio_container_t stdio[JOBARGS_FD_OUTPUT + 1];
		stdio[0].flags = UV_IGNORE;
		for (int k = 0; k < 3; k++) {
			stdio[k + 1].flags = UV_INHERIT_FD;
			stdio[k + 1].data.fd = wr[k];
		}
		int cfd = open(code, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int sfd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0 || sfd < 0)
			return 1;
		stdio[JOBARGS_FD_SECCOMP].flags = UV_IGNORE;
		stdio[JOBARGS_FD_CODE].flags = UV_INHERIT_FD;
		stdio[JOBARGS_FD_CODE].data.fd = cfd;
		stdio[JOBARGS_FD_OUTPUT].flags = UV_INHERIT_FD;
		stdio[JOBARGS_FD_OUTPUT].data.fd = sfd;
		uv_process_options_t opt = { 0 };
		opt.file = a.v[0];
		opt.args = a.v;
		opt.exit_cb = on_exit_cb;
		opt.stdio = stdio;
		opt.stdio_count = JOBARGS_FD_OUTPUT + 1;
		uv_process_t proc;
		exited = 0;
		double t0 = now_us();
		if (uv_spawn(loop, &proc, &opt) < 0)
			return 1;
		for (int k = 0; k < 3; k++)
			close(wr[k]);
		close(cfd);
		close(sfd);
		while (!exited)
			uv_run(loop, UV_RUN_ONCE);
		v[i] = now_us() - t0;
		uv_run(loop, UV_RUN_NOWAIT);
		for (int k = 0; k < 3; k++)
			close(rd[k]);
	}
	report("direct", v, n);
	close(sp[1]);
	close(ev[1]);
	waitpid(mon, NULL, 0);
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	return system(p) == 0 ? 0 : 1;
}
