/* The service process's side of the monitor (monitor.h): requests made in
 * turn and answered before the call returns (a spawn, a kill, a
 * signature), and the sandboxes' ends, which arrive on the loop. */
#ifndef TREX_RUNNER_MONCLIENT_H
#define TREX_RUNNER_MONCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

#include "err.h"
#include "monproto.h"

/* A sandbox ended: its exit status, or the signal that ended it. */
typedef void (*monc_exit_fn)(void *arg, int64_t status, int term_signal);

/* sock: the requests; events: MON_EXITED from the monitor, read on loop
 * (whose end means the monitor is gone: the service exits). */
int monc_init(uv_loop_t *loop, int sock, int events, struct trex_err *err);
/* MON_HELLO: key_id (65 bytes) and *pub_pem (trex_free) of trexd's key. */
int monc_hello(char key_id[65], char **pub_pem, struct trex_err *err);
/* Stop reading events (at exit); the sockets stay open until exit. */
void monc_close(void);
/* 1 once monc_init succeeded. */
int monc_ready(void);

/* Start trex-sandbox for job `id`'s run (limits as MON_LIM_*; command the
 * manifest's arguments) or for its check, on the three pipe write ends
 * fds (stdout, stderr, status; the caller closes its copies). *pid is the
 * sandbox's; on_exit(arg, ...) is called on the loop when it ends. */
int monc_spawn_run(const char *id, const char *dataset, const char *runtime,
		   const long limits[MON_NLIMITS], const char *const *command, size_t n_command,
		   const int fds[MON_NFDS], monc_exit_fn on_exit, void *arg, pid_t *pid,
		   struct trex_err *err);
int monc_spawn_check(const char *id, long output_mb, const char *ids_key, int previous,
		     const char *const *files, size_t n_files, const int fds[MON_NFDS],
		     monc_exit_fn on_exit, void *arg, pid_t *pid, struct trex_err *err);
/* MON_SLURM (monslurm.h): sbatch of an attempt, squeue of the partition,
 * scancel of an attempt, or removal of a job's staging, run by the
 * monitor with its output on fds (stdout, stderr, unused); on_exit is
 * called on the loop when it ends. */
struct monc_slurm_req {
	int op; /* enum monslurm_op */
	const char *job;
	unsigned attempt, uid;
	const char *dataset, *runtime;
	long limits[MON_NLIMITS];
	const char *const *command;
	size_t n_command;
};
int monc_slurm(const struct monc_slurm_req *q, const int fds[MON_NFDS], monc_exit_fn on_exit,
	       void *arg, pid_t *pid, struct trex_err *err);
/* MON_ID_INDEX: the identifier index key (64 hex + NUL) of configured
 * dataset `dataset`; *pid 0 when STATE/idindex/<key> is built, else the
 * sandbox building it, to wait for with monc_wait_exit (status 0 and no
 * signal: installed). */
int monc_id_index(const char *dataset, char key[65], pid_t *pid, struct trex_err *err);
/* MON_RUNTIME_ID: configured runtime `runtime`'s identity (rtident.h) as
 * canonical JSON text in *ident (trex_free), probed by the monitor in
 * trex-sandbox when it has none since its start or last reload (this
 * waits for the probe: pool threads only). */
int monc_runtime_id(const char *runtime, char **ident, struct trex_err *err);
/* Block (a pool thread, never the loop) until the loop has read the end
 * of sandbox pid, one no on_exit watches (an index build). */
void monc_wait_exit(pid_t pid, int64_t *status, int *sig);

/* MON_RELOAD_STATUS: 0 when the monitor's configuration reloaded at the
 * last SIGHUP, else -EINVAL with err the monitor's reason (the datasets'
 * checks, which only the monitor can make). */
int monc_reload_status(struct trex_err *err);

/* MON_ADOPT: *pid, the run of job id that an earlier trexd left and
 * start-up recovery kept (on_restart "adopt"), or 0 when there is none.
 * Watch it with monc_watch_pid before the loop runs again: its
 * MON_EXITED follows its end (status and signal 0: the end is in the
 * job's adopt folder, runner/adopt.c). */
int monc_adopt(const char *id, pid_t *pid, struct trex_err *err);
int monc_watch_pid(pid_t pid, monc_exit_fn fn, void *arg);
/* Forget the watch on pid (a run left running at trexd's stop). */
void monc_unwatch(pid_t pid);
/* Signal a sandbox this service started (SIGTERM or SIGKILL). */
int monc_kill(pid_t pid, int sig, struct trex_err *err);
/* trexd's signature (base64, trex_free) over a canonical release manifest
 * (MON_SIGN_RELEASE) or a checkpoint text (MON_SIGN_CHECKPOINT). */
int monc_sign(int type, const char *text, size_t len, char **sig, struct trex_err *err);

/* The configured tls.cert, tls.key and tls.client_ca, opened read-only
 * by the monitor (fds the caller closes). */
int monc_tls_files(int fds[MON_TLS_NFDS], int *n_fds, struct trex_err *err);
/* The configured unix socket, bound by the monitor (it alone may write
 * the socket's folder): *fd, a bound SOCK_STREAM socket to listen on. */
int monc_listen(int *fd, struct trex_err *err);

/* One raw request and its answer (tests speak the protocol with it):
 * 0 and reply filled on MON_OK, -EPERM and err the reason on MON_REFUSED. */
int monc_call_raw(int sock, const void *req, size_t len, const int *fds, int n_fds,
		  struct mon_msg *reply, struct trex_err *err);

#endif
