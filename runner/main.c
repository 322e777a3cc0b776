/* trexd: the trex daemon. Loads and checks its configuration, opens the job
 * store, compiles the seccomp profile once, then serves the HTTP API on a
 * unix socket (and a TLS listener when configured) and runs jobs until
 * SIGTERM/SIGINT. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "access.h"
#include "api.h"
#include "backup.h"
#include "cleanup.h"
#include "config.h"
#include "events.h"
#include "fsutil.h"
#include "hostcheck.h"
#include "http.h"
#include "jobdoc.h"
#include "log.h"
#include "metrics.h"
#include "monclient.h"
#include "monitor.h"
#include "packs.h"
#include "paths.h"
#include "privdrop.h"
#include "adopt.h"
#include "recover.h"
#include "relclean.h"
#include "reload.h"
#include "rotate.h"
#include "sched.h"
#include "sdnotify.h"
#include "store.h"
#include "tls.h"
#include "trexd.h"
#include "web.h"

/* the seccomp compiler (policies/seccomp) when it is in the tree; without
 * it trex-sandbox uses its built-in copy of the default profile */
#if __has_include("policies/seccomp/secpol.h")
#include "policies/seccomp/secpol.h"
#define TREXD_HAVE_SECPOL 1
#endif

#define TREXD_CONFIG_HINT "the installation's trexd.json"
static const char usage[] =
	"usage: trexd [-n] --config FILE [--state-dir DIR] [--socket PATH]\n"
	"             [--dataset NAME=PATH --id-columns NAME=[COL[,COL...]]]...\n"
	"       trexd [-n] --state-dir DIR --socket PATH\n"
	"             [--dataset NAME=PATH --id-columns NAME=[COL[,COL...]]]...\n"
	"       trexd --check-host [--config FILE] [--state-dir DIR] [--dataset ...]\n"
	"       trexd backup [--config FILE | --state-dir DIR] DEST\n"
	"       trexd restore [--config FILE | --state-dir DIR] SRC\n"
	"       trexd rotate-key [--config FILE | --state-dir DIR]\n"
	"\n"
	"Run the trex job daemon: serve the HTTP API (docs/api.md) on a unix\n"
	"socket (and over TLS 1.3 with client certificates when the config has\n"
	"\"tls\"), run queued jobs in trex-sandbox, check their outputs with\n"
	"trex-check and release what passes.\n"
	"\n"
	"  --config FILE        trexd.json (docs/config.md); strict: unknown keys\n"
	"                       are errors\n"
	"  --state-dir DIR      job store, job folders and release area\n"
	"                       (overrides the config's state_dir)\n"
	"  --socket PATH        unix socket to serve on (overrides the config)\n"
	"  --dataset NAME=PATH  add a dataset (repeatable); with no --config this\n"
	"                       is a quick start with built-in defaults\n"
	"  --id-columns NAME=[COL[,COL...]]\n"
	"                       the identifier columns of dataset NAME, required\n"
	"                       with each --dataset: \"NAME=\" says it has none;\n"
	"                       each must be in the header line of one of its\n"
	"                       *.csv files\n"
	"  --accept-audit-head SEQ:HASH\n"
	"                       start although STATE/audit.log does not match the\n"
	"                       head trexd.db recorded (cut, replaced, or a new\n"
	"                       trexd.db), accepting the log as it is: SEQ:HASH\n"
	"                       must be the log's own head, as the refusal names\n"
	"                       it; the acceptance is audited\n"
	"  -n, --check-config   check the configuration, the datasets' id columns,\n"
	"                       every disclosure policy pack and the seccomp\n"
	"                       profile, print \"config ok\" and exit\n"
	"  --check-host         check that this host can run the configuration's\n"
	"                       jobs (kernel features, uid range, datasets readable\n"
	"                       by job uids, packs, keys, free space of the state\n"
	"                       folder), one line per check, and exit; the config\n"
	"                       defaults to " TREXD_CONFIG_HINT "\n"
	"  backup DEST          copy the state folder (running or not) into the new\n"
	"                       folder DEST: one snapshot of trexd.db, the audit log\n"
	"                       to the head it records, its jobs' files, releases,\n"
	"                       keys, and DEST/backup.json with every SHA-256\n"
	"  restore SRC          check the backup SRC whole, copy it into the empty\n"
	"                       state folder and verify the audit log against the\n"
	"                       restored head\n"
	"  -v, --verbose        log debug events too\n"
	"  -h, --help           this text\n"
	"\n"
	"SIGHUP reloads --config (kept as is when invalid, see docs/config.md).\n"
	"Exit status: 0 after a clean stop (SIGTERM/SIGINT), a good -n check or\n"
	"a --check-host without a failed check; "
	"1 on a configuration or start-up error, or a failed host check; 2 on bad\n"
	"usage.\n";

static struct trexd trexd;
static uv_signal_t sig_term, sig_int, sig_hup;

static void main_closed_signal(uv_handle_t *h)
{
	(void)h;
}

static void main_stopped(struct trexd *d)
{
	trex_log(TREX_LOG_INFO, "trexd_stopped", "running=%d", sched_running(d));
	uv_close((uv_handle_t *)&sig_term, main_closed_signal);
	uv_close((uv_handle_t *)&sig_int, main_closed_signal);
	uv_close((uv_handle_t *)&sig_hup, main_closed_signal);
	/* no sandbox is left to hear from; the requests still go through
	 * (the final checkpoint is signed after the loop) */
	monc_close();
}

/* systemd's readiness protocol (sdnotify.h); a failure is logged, once:
 * trexd serves whether or not systemd hears it */
static void main_notify(const char *state)
{
	static int warned;
	int r = sdnotify_send(state);
	if (r < 0 && !warned++)
		trex_log(TREX_LOG_WARN, "sd_notify_failed", "state=%s error=\"%s\"", state,
			 strerror(-r));
}

static void main_on_signal(uv_signal_t *s, int signum)
{
	struct trexd *d = s->data;
	if (d->stopping)
		return;
	d->stopping = 1;
	trex_log(TREX_LOG_INFO, "trexd_stopping", "signal=%d", signum);
	main_notify("STOPPING=1");
	http_close(d->http);
	d->http = NULL;
	http_close(d->metrics_http);
	d->metrics_http = NULL;
	web_close(d);
	sched_stop(d, main_stopped);
}

/* SIGHUP: a new configuration only when it is whole and valid (reload.c) */
static void main_on_hup(uv_signal_t *s, int signum)
{
	struct trexd *d = s->data;
	struct trex_err err = { 0 };
	(void)signum;
	if (d->stopping)
		return;
	main_notify("RELOADING=1");
	if (reload_config(d, &err) < 0)
		trex_log(TREX_LOG_ERROR, "config_reload_failed", "kept=old error=\"%s\"", err.msg);
	else {
		http_set_timeouts(d->http, (uint64_t)d->cfg->request_timeout_ms,
				  (uint64_t)d->cfg->idle_timeout_ms);
		trex_log(TREX_LOG_INFO, "config_reloaded", "datasets=%zu runtimes=%zu",
			 d->cfg->n_datasets, d->cfg->n_runtimes);
	}
	main_notify("READY=1");
}

/* What -n checks beyond parsing: the binaries and the disclosure policy
 * packs that jobs will use. */
static int main_check_extra(const struct config *c, struct trex_err *err)
{
	if (access(c->sandbox, X_OK) < 0)
		return trex_err_set(err, -errno, "sandbox %s", c->sandbox);
	if (access(c->check, X_OK) < 0)
		return trex_err_set(err, -errno, "check %s", c->check);
	/* the job uids can read every dataset (the sandbox binds it as root,
	 * the job reads it as its uid) */
	int r = hostcheck_datasets(c, err);
	/* every pack a job may be checked with, read as trex-check reads it */
	return r < 0 ? r : packs_check(c, err);
}

/* The TLS listener of cfg->tls; `bound` gets its address (port 0 in the
 * config becomes the port the kernel chose, which the log line names). */
static int main_listen_tls(struct trexd *d, char *bound, size_t len, struct trex_err *err)
{
	struct sockaddr_storage ss;
	struct tls_server *ts = NULL;
	int r = config_tls_addr(d->cfg->tls.listen, &ss, err);
	if (r == 0)
		r = tls_server_new(&d->cfg->tls, &ts, err);
	if (r == 0)
		r = http_listen_tls(d->http, (struct sockaddr *)&ss, ts,
				    (uint64_t)d->cfg->tls.handshake_timeout_ms, bound, len, err);
	return r;
}

static int main_mon_sock = -1, main_mon_events = -1;
/* the runs recovery kept for adoption (on_restart "adopt"): the monitor's */
static struct recover_adoptable main_kept;
static pid_t main_monitor;
/* the API socket from socket activation (sdnotify.h), or 0: then the
 * service binds cfg->socket itself and removes it at the end */
static int main_listen_fd;

/* Privilege separation (docs/DESIGN.md): fork. The parent becomes the
 * monitor and never returns from here (it exits with the service's
 * status); the child, the service, returns 0 holding its ends of the two
 * socketpairs, with the signals the monitor takes unblocked again and
 * set to die with the monitor. */
static int main_split(struct trexd *d, const struct config *cfg, const char *config_file,
		      const char *state_dir, const char *socket_path, const char **datasets,
		      size_t n_datasets, const char **id_columns, size_t n_id_columns,
		      uid_t svc_uid, gid_t svc_gid, const char *accept_head, struct trex_err *err)
{
	int req[2], ev[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, req) < 0)
		return trex_err_set(err, -errno, "socketpair");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev) < 0) {
		close(req[0]);
		close(req[1]);
		return trex_err_set(err, -errno, "socketpair");
	}
	sigset_t set, old;
	monitor_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	fflush(NULL);
	pid_t monitor = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return trex_err_set(err, -errno, "fork");
	}
	if (pid > 0) {
		close(req[1]);
		close(ev[1]);
		reload_init(&(struct reload_opts){ .config_file = config_file, .state_dir = state_dir,
						   .socket = socket_path, .datasets = datasets,
						   .n_datasets = n_datasets, .id_columns = id_columns,
						   .n_id_columns = n_id_columns });
		struct monitor_opts o = { .cfg = cfg, .seccomp_fd = d->seccomp_fd, .sock = req[0],
					  .events = ev[0], .service = pid,
					  .service_uid = svc_uid, .service_gid = svc_gid,
					  .socket = main_listen_fd > 0 ? NULL : cfg->socket,
					  .reload = config_file != NULL, .accept_head = accept_head,
					  .adopted = &main_kept };
		/* systemd keeps the activated socket; the service serves it */
		if (main_listen_fd > 0)
			close(main_listen_fd);
		int rc = monitor_run(&o);
		reload_free();
		exit(rc);
	}
	close(req[0]);
	close(ev[0]);
	for (size_t i = 0; i < main_kept.n; i++)
		close(main_kept.v[i].pidfd);
	/* a killed monitor takes the service with it, as a killed trexd
	 * took everything: start-up recovery follows either way */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != monitor)
		_exit(1);
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* the sandboxes get the compiled profile from the monitor */
	if (d->seccomp_fd >= 0)
		close(d->seccomp_fd);
	d->seccomp_fd = -1;
	main_monitor = monitor;
	main_mon_sock = req[1];
	main_mon_events = ev[1];
	trex_log(TREX_LOG_DEBUG, "service_started", "monitor=%d", (int)monitor);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' },
		{ "dataset", required_argument, NULL, 'd' },
		{ "id-columns", required_argument, NULL, 'i' },
		{ "accept-audit-head", required_argument, NULL, 'A' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "check-host", no_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config_file = NULL, *state_dir = NULL, *socket_path = NULL;
	const char *accept_head = NULL;
	const char *datasets[256], *id_columns[256];
	size_t n_datasets = 0, n_id_columns = 0;
	int check_only = 0, check_host = 0, verbose = 0, o;
	/* the offline verbs (backup.c, restore.c) */
	if (argc > 1 && (strcmp(argv[1], "backup") == 0 || strcmp(argv[1], "restore") == 0))
		return backup_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "rotate-key") == 0)
		return rotate_main(argc - 1, argv + 1);
	while ((o = getopt_long(argc, argv, "nvh", opts, NULL)) != -1) {
		switch (o) {
		case 'c': config_file = optarg; break;
		case 's': state_dir = optarg; break;
		case 'S': socket_path = optarg; break;
		case 'd':
			if (n_datasets == TREX_ARRAY_LEN(datasets)) {
				fprintf(stderr, "trexd: too many --dataset\n");
				return 2;
			}
			datasets[n_datasets++] = optarg;
			break;
		case 'i':
			if (n_id_columns == TREX_ARRAY_LEN(id_columns)) {
				fprintf(stderr, "trexd: too many --id-columns\n");
				return 2;
			}
			id_columns[n_id_columns++] = optarg;
			break;
		case 'A': {
			uint64_t seq;
			char hash[65];
			if (audit_parse_head(optarg, &seq, hash) < 0) {
				fprintf(stderr, "trexd: --accept-audit-head: not SEQ:HASH (a"
						" number, ':', 64 hex digits)\n");
				return 2;
			}
			accept_head = optarg;
			break;
		}
		case 'n': check_only = 1; break;
		case 'H': check_host = 1; break;
		case 'v': verbose = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	/* the preflight of an installed trexd reads the installed config */
	if (check_host && !config_file && !state_dir)
		config_file = trex_path_config();
	if (optind != argc || (check_host && check_only) ||
	    (!config_file && !check_host && (!state_dir || !socket_path))) {
		fputs(usage, stderr);
		return 2;
	}
	trex_log_init("trexd", verbose ? TREX_LOG_DEBUG : TREX_LOG_INFO);
	signal(SIGPIPE, SIG_IGN);

	struct trexd *d = &trexd;
	struct config cfg;
	struct trex_err err = { 0 };
	d->seccomp_fd = -1;
	int r = config_init_defaults(&cfg, &err);
	/* the quick start is a developer's sandbox: no permits unless a
	 * config file says so (docs/config.md) */
	cfg.access.require_permit = config_file != NULL;
	if (r == 0 && config_file)
		r = config_load_file(&cfg, config_file, &err);
	if (r == 0 && state_dir) {
		char *p = realpath(state_dir, NULL);
		if (!p && trex_mkdir_p(state_dir, 0700, &err) == 0)
			p = realpath(state_dir, NULL);
		trex_free(cfg.state_dir);
		cfg.state_dir = p ? trex_strdup(p) : NULL;
		free(p);
		if (!cfg.state_dir)
			r = trex_err_set(&err, -errno, "state dir %s", state_dir);
	}
	if (r == 0 && socket_path) {
		trex_free(cfg.socket);
		cfg.socket = trex_strdup(socket_path);
	}
	if (r == 0)
		r = config_add_datasets(&cfg, datasets, n_datasets, id_columns, n_id_columns, &err);
	if (r == 0)
		r = config_check(&cfg, &err);
	if (check_host) {
		int failed = hostcheck_run(r == 0 ? &cfg : NULL, config_file, &err);
		printf("%d check%s failed\n", failed, failed == 1 ? "" : "s");
		config_free(&cfg);
		return failed ? 1 : 0;
	}
#ifdef TREXD_HAVE_SECPOL
	if (r == 0 && cfg.seccomp_profile) {
		r = secpol_compile_file(cfg.seccomp_profile, &d->seccomp_fd, &err);
		if (r < 0)
			trex_err_prefix(&err, "seccomp profile %s", cfg.seccomp_profile);
		/* each sandbox gets its own reopened copy as fd 4 (job.c); this
		 * one must not leak into every child */
		else if (fcntl(d->seccomp_fd, F_SETFD, FD_CLOEXEC) < 0)
			r = trex_err_set(&err, -errno, "seccomp fd");
	}
#endif
	/* the certificate, key and client CA load and belong together */
	if (r == 0 && check_only && cfg.tls.listen) {
		struct tls_server *ts = NULL;
		r = tls_server_new(&cfg.tls, &ts, &err);
		tls_server_free(ts);
	}
	if (r == 0 && check_only)
		r = main_check_extra(&cfg, &err);
	if (r == 0 && check_only)
		r = permits_check_config(&cfg, &err);
	if (r == 0 && check_only) {
		/* the service's user exists, is not root and no job's */
		uid_t u;
		gid_t g;
		r = privdrop_resolve(&cfg, &u, &g, &err);
	}

	if (r < 0) {
		fprintf(stderr, "trexd: %s\n", err.msg);
		config_free(&cfg);
		return 1;
	}
	if (check_only) {
		printf("config ok\n");
		config_free(&cfg);
		return 0;
	}
	d->cfg = &cfg;

	/* the state folder itself (its parent is root's); what goes in it
	 * is made by the service, as the service user (below) */
	char p[PATH_MAX];
	r = trex_mkdir_p(cfg.state_dir, 0700, &err);
	/* one trexd per state folder: recovery kills the sandboxes it finds
	 * (both processes hold the lock: it is free once both are gone) */
	if (r == 0)
		r = recover_lock(&cfg, &err);
	/* as root, before the service starts: the sandboxes a killed trexd
	 * left die first (they are root's) */
	uid_t svc_uid = 0;
	gid_t svc_gid = 0;
	if (r == 0)
		r = privdrop_resolve(&cfg, &svc_uid, &svc_gid, &err);
	if (r == 0 && (r = recover_orphans(&cfg, &main_kept, &err)) > 0)
		r = 0;
	/* an API socket systemd holds for trexd (trexd.socket): taken here,
	 * in the process LISTEN_PID names, and served by the service */
	if (r == 0 && (main_listen_fd = sdnotify_listen_fd(cfg.socket, &err)) < 0)
		r = main_listen_fd;
	/* the monitor stays here; the service goes on in a child */
	int seccomp_compiled = d->seccomp_fd >= 0;
	if (r == 0 && main_split(d, &cfg, config_file, state_dir, socket_path, datasets, n_datasets,
				 id_columns, n_id_columns, svc_uid, svc_gid, accept_head, &err) < 0)
		r = err.code;
	/* The service starts as root only for what needs root and reads no
	 * byte of the state folder: the TLS listener (its port, and the key
	 * file, which need not be the service user's) and the metrics
	 * listener. Then it gives the state folder to the service user and
	 * drops to it; everything that reads or changes the state folder
	 * (the store, the audit log, recovery's removals, the release
	 * area's clean-up) runs as that user, so root never walks a path the
	 * previous service user could have changed. Last the monitor binds
	 * the unix socket (its folder need not be the service user's) and
	 * hands it over: it appears once trexd is ready, as before. */
	d->loop = uv_default_loop();
	if (r == 0)
		r = http_server_start(d->loop, cfg.max_body, api_handle, d, &d->http, &err);
	if (r == 0)
		http_set_timeouts(d->http, (uint64_t)cfg.request_timeout_ms,
				  (uint64_t)cfg.idle_timeout_ms);
	char tls_bound[80] = "off";
	if (r == 0 && cfg.tls.listen)
		r = main_listen_tls(d, tls_bound, sizeof(tls_bound), &err);
	/* GET /metrics on TCP for a Prometheus scraper: counts only, to anyone
	 * who reaches the address (docs/config.md metrics_listen) */
	char metrics_bound[80] = "off";
	if (r == 0 && cfg.metrics_listen) {
		struct sockaddr_storage ss;
		r = config_tls_addr(cfg.metrics_listen, &ss, &err);
		if (r == 0)
			r = http_listen_tcp(d->loop, (struct sockaddr *)&ss, 4096, metrics_http_handle, d,
					    &d->metrics_http, metrics_bound, sizeof(metrics_bound), &err);
	}
	/* the checkers' review page (web.h): loopback only (config.c) */
	char review_bound[80] = "off";
	if (r == 0 && cfg.review_listen)
		r = web_listen(d, cfg.review_listen, review_bound, sizeof(review_bound), &err);
	/* the state folder, but for the key, its public half, the monitor's
	 * log and the lock, becomes the service user's (what a trexd before
	 * privilege separation, or a sandbox the monitor could not hand
	 * over, left root's): by directory fds, never through a link
	 * (privdrop.c); then no root, no capability, no new privileges */
	if (r == 0)
		r = privdrop_chown_tree(AT_FDCWD, cfg.state_dir, svc_uid, svc_gid, 1, &err);
	if (r == 0 && (r = privdrop_to(svc_uid, svc_gid, &err)) == 0 &&
	    getppid() != main_monitor)
		r = trex_err_setx(&err, -ESRCH, "the monitor is gone");
	/* from here on as the service user */
	snprintf(p, sizeof(p), "%s/jobs", cfg.state_dir);
	if (r == 0)
		r = trex_mkdir_p(p, 0700, &err);
	snprintf(p, sizeof(p), "%s/release", cfg.state_dir);
	if (r == 0)
		r = trex_mkdir_p(p, 0755, &err);
	snprintf(p, sizeof(p), "%s/trexd.db", cfg.state_dir);
	if (r == 0)
		r = store_open(p, &d->store, &err);
	if (r == 0)
		r = store_open(p, &d->wstore, &err);
	/* keys, permits and the audit log before anything can be submitted,
	 * and before recovery writes to a store whose log may not match it */
	if (r == 0)
		r = monc_init(d->loop, main_mon_sock, main_mon_events, &err);
	if (r == 0)
		r = sacc_init(d->store, &err);
	if (r == 0)
		r = alog_init(d, accept_head, &err);
	if (r == 0) {
		/* before any job starts: orphans of a crashed trexd died first */
		r = recover_run(&cfg, d->store, &err);
		if (r > 0)
			trex_log(TREX_LOG_WARN, "jobs_recovered", "count=%d action=%s", r,
				 cfg.on_crash_requeue ? "requeue" : "fail");
		r = r > 0 ? 0 : r;
	}
	/* what a killed trexd left half-written in the release area (the
	 * signing key is loaded: a cut-short manifest is written again) */
	if (r == 0 && (r = relclean_run(d, &err)) > 0)
		r = 0;
	if (r == 0)
		r = permits_init(d, &err);
	if (r == 0)
		r = sched_init(d, &err);
	/* the runs recovery left to adopt go on from their end (adopt.c) */
	if (r == 0)
		adopt_start(d);
	if (r == 0 && !(d->docs = jobdoc_cache_new()))
		r = trex_err_setx(&err, -ENOMEM, "out of memory");
	if (r == 0)
		r = events_init(d, &err);
	/* the API socket: systemd's (socket activation), or the one the
	 * monitor binds now that the service is ready */
	if (r == 0 && main_listen_fd > 0)
		r = http_serve_fd(d->http, main_listen_fd, &err);
	else if (r == 0) {
		int sock_fd = -1;
		if ((r = monc_listen(&sock_fd, &err)) == 0)
			r = http_serve_fd(d->http, sock_fd, &err);
	}
	if (r < 0) {
		fprintf(stderr, "trexd: %s\n", err.msg);
		jobdoc_cache_free(d->docs);
		events_free(d);
		web_free(d);
		alog_close(d);
		store_close(d->wstore);
		store_close(d->store);
		config_free(&cfg);
		return 1;
	}
	uv_signal_init(d->loop, &sig_term);
	uv_signal_init(d->loop, &sig_int);
	sig_term.data = sig_int.data = d;
	uv_signal_start(&sig_term, main_on_signal, SIGTERM);
	uv_signal_start(&sig_int, main_on_signal, SIGINT);
	reload_init(&(struct reload_opts){ .config_file = config_file, .state_dir = state_dir,
					   .socket = socket_path, .datasets = datasets,
					   .n_datasets = n_datasets, .id_columns = id_columns,
					   .n_id_columns = n_id_columns, .service = 1 });
	uv_signal_init(d->loop, &sig_hup);
	sig_hup.data = d;
	uv_signal_start(&sig_hup, main_on_hup, SIGHUP);
	trex_log(TREX_LOG_INFO, "trexd_started",
		 "socket=%s%s tls=%s metrics=%s review=%s concurrency=%d seccomp=%s", cfg.socket,
		 main_listen_fd > 0 ? " socket_from=systemd" : "", tls_bound, metrics_bound,
		 review_bound, cfg.concurrency, seccomp_compiled ? "compiled" : "built-in");
	/* jobs queued before a restart */
	sched_kick(d);
	/* every listener is up and jobs from before a restart are queued:
	 * units ordered after trexd.service may use the API now */
	main_notify("READY=1");
	uv_run(d->loop, UV_RUN_DEFAULT);
	uv_loop_close(d->loop);
	if (main_listen_fd <= 0)
		unlink(cfg.socket);
	sched_free(d);
	jobdoc_cache_free(d->docs);
	events_free(d);
	web_free(d);
	alog_close(d);
	store_close(d->wstore);
	store_close(d->store);
	if (d->seccomp_fd >= 0)
		close(d->seccomp_fd);
	config_free(&cfg);
	reload_free();
	return 0;
}
