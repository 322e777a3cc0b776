/* The service's side of the monitor (monclient.h). Requests go out one
 * at a time under a lock (a submission's pool thread may sign too) and
 * block until answered: the monitor answers each at once (a fork, a kill,
 * a hash of the released files). Sandbox ends come on a second socket,
 * read on the loop, so an answer never waits behind them. */
#include "monclient.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "log.h"

#define MONC_WATCH_MAX 4096

struct monc_watch {
	pid_t pid;
	monc_exit_fn fn;
	void *arg;
};

static struct {
	int sock, events;
	int ready;
	uv_poll_t poll;
	int polling;
	unsigned char *buf;
	struct mon_msg *msg;   /* requests' answers, under lock */
	unsigned char *ebuf;
	struct mon_msg *emsg;  /* events, on the loop */
	struct monc_watch watch[MONC_WATCH_MAX];
	size_t n_watch;
} monc = { .sock = -1, .events = -1 };

static pthread_mutex_t monc_lock = PTHREAD_MUTEX_INITIALIZER;

/* Ends of sandboxes no loop callback watches (identifier index builds,
 * waited for by a pool thread, monc_wait_exit): kept here until claimed.
 * A build's end may be read on the loop before its waiter looks, so it
 * is kept, not dropped. Builds are one at a time (idcache.c): a few
 * slots are plenty; the oldest is overwritten. */
#define MONC_ENDS_MAX 16
static struct {
	pid_t pid;
	int64_t status;
	int sig;
} monc_ends[MONC_ENDS_MAX];
static size_t monc_ends_next;
static pthread_mutex_t monc_ends_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t monc_ends_cond = PTHREAD_COND_INITIALIZER;

static int monc_exchange(int sock, const void *req, size_t len, const int *fds, int n_fds,
			 struct mon_msg *reply, int *out_fds, int *n_out, struct trex_err *err);

int monc_call_raw(int sock, const void *req, size_t len, const int *fds, int n_fds,
		  struct mon_msg *reply, struct trex_err *err)
{
	return monc_exchange(sock, req, len, fds, n_fds, reply, NULL, NULL, err);
}

/* out_fds (MON_MAX_FDS) gets the fds an answer carried, the caller's to
 * close; without it they are closed here. */
static int monc_exchange(int sock, const void *req, size_t len, const int *fds, int n_fds,
			 struct mon_msg *reply, int *out_fds, int *n_out, struct trex_err *err)
{
	_cleanup_free_ unsigned char *in = trex_malloc(MON_MSG_MAX);
	if (!in)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int r = mon_send(sock, req, len, fds, n_fds);
	if (r < 0)
		return trex_err_set(err, r, "monitor: send");
	int rfds[MON_MAX_FDS], n_rfds = 0;
	int n = mon_recv(sock, in, rfds, &n_rfds);
	if (out_fds && n > 0) {
		memcpy(out_fds, rfds, sizeof(int) * (size_t)n_rfds);
		*n_out = n_rfds;
		n_rfds = 0;
	}
	for (int i = 0; i < n_rfds; i++)
		close(rfds[i]);
	if (n == 0)
		return trex_err_setx(err, -EPIPE, "monitor: gone");
	if (n < 0)
		return trex_err_set(err, n, "monitor: receive");
	if (mon_parse(in, (size_t)n, reply, err) < 0)
		return trex_err_prefix(err, "monitor: answer");
	if (reply->type == MON_REFUSED)
		return trex_err_setx(err, -EPERM, "monitor refused: %s", reply->text);
	if (reply->type != MON_OK)
		return trex_err_setx(err, -EPROTO, "monitor: not an answer");
	return 0;
}

/* The monitor is gone (it was killed: the parent-death signal that ends
 * this process too may not have arrived yet). Nothing can start, end or
 * be released any more, and an error recorded now would be a verdict on
 * a job that did nothing wrong ("could not start the sandbox"), kept by
 * the store for good: stop as a crash would, with the job still running
 * or queued in the store, so that start-up recovery requeues it. */
static void monc_gone(int code)
{
	trex_log(TREX_LOG_ERROR, "monitor_gone", "code=%d", code);
	_exit(1);
}

/* Under monc_lock: one request built by the caller in monc.buf. */
static int monc_call(struct mon_writer *w, const int *fds, int n_fds, struct trex_err *err)
{
	int n = mon_end(w);
	if (n < 0)
		return trex_err_setx(err, -E2BIG, "monitor request over %u bytes", MON_MSG_MAX);
	int r = monc_call_raw(monc.sock, w->buf, (size_t)n, fds, n_fds, monc.msg, err);
	if (r == -EPIPE || r == -ECONNRESET)
		monc_gone(r);
	return r;
}

static void monc_on_event(uv_poll_t *h, int status, int events)
{
	(void)h;
	(void)events;
	int fds[MON_MAX_FDS], n_fds = 0;
	int n = status < 0 ? status : mon_recv(monc.events, monc.ebuf, fds, &n_fds);
	for (int i = 0; i < n_fds; i++)
		close(fds[i]);
	if (n == -EAGAIN)
		return;
	struct trex_err err = { 0 };
	if (n <= 0 || mon_parse(monc.ebuf, (size_t)n, monc.emsg, &err) < 0 ||
	    monc.emsg->type != MON_EXITED) {
		/* the monitor is gone (or broken) */
		monc_gone(n);
	}
	pid_t pid = (pid_t)monc.emsg->num;
	for (size_t i = 0; i < monc.n_watch; i++) {
		if (monc.watch[i].pid != pid)
			continue;
		struct monc_watch w = monc.watch[i];
		monc.watch[i] = monc.watch[--monc.n_watch];
		w.fn(w.arg, (int64_t)monc.emsg->num3, (int)monc.emsg->num2);
		return;
	}
	pthread_mutex_lock(&monc_ends_lock);
	monc_ends[monc_ends_next].pid = pid;
	monc_ends[monc_ends_next].status = (int64_t)monc.emsg->num3;
	monc_ends[monc_ends_next].sig = (int)monc.emsg->num2;
	monc_ends_next = (monc_ends_next + 1) % MONC_ENDS_MAX;
	pthread_cond_broadcast(&monc_ends_cond);
	pthread_mutex_unlock(&monc_ends_lock);
}

void monc_wait_exit(pid_t pid, int64_t *status, int *sig)
{
	pthread_mutex_lock(&monc_ends_lock);
	for (;;) {
		for (size_t i = 0; i < MONC_ENDS_MAX; i++) {
			if (monc_ends[i].pid != pid)
				continue;
			*status = monc_ends[i].status;
			*sig = monc_ends[i].sig;
			monc_ends[i].pid = 0;
			pthread_mutex_unlock(&monc_ends_lock);
			return;
		}
		pthread_cond_wait(&monc_ends_cond, &monc_ends_lock);
	}
}

int monc_init(uv_loop_t *loop, int sock, int events, struct trex_err *err)
{
	monc.sock = sock;
	monc.events = events;
	monc.buf = trex_malloc(MON_MSG_MAX);
	monc.ebuf = trex_malloc(MON_MSG_MAX);
	monc.msg = trex_malloc(sizeof(*monc.msg));
	monc.emsg = trex_malloc(sizeof(*monc.emsg));
	if (!monc.buf || !monc.ebuf || !monc.msg || !monc.emsg)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	if (uv_poll_init(loop, &monc.poll, events) < 0 ||
	    uv_poll_start(&monc.poll, UV_READABLE | UV_DISCONNECT, monc_on_event) < 0)
		return trex_err_setx(err, -EIO, "monitor: cannot watch its events");
	monc.polling = 1;
	monc.ready = 1;
	return 0;
}

int monc_hello(char key_id[65], char **pub_pem, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_HELLO);
	int r = monc_call(&w, NULL, 0, err);
	if (r == 0 && (monc.msg->text_len != 64 || !monc.msg->text2_len))
		r = trex_err_setx(err, -EPROTO, "monitor: no key");
	if (r == 0) {
		memcpy(key_id, monc.msg->text, 65);
		*pub_pem = trex_strdup(monc.msg->text2);
		if (!*pub_pem)
			r = trex_err_setx(err, -ENOMEM, "out of memory");
	}
	pthread_mutex_unlock(&monc_lock);
	return r;
}

int monc_ready(void)
{
	return monc.ready;
}

void monc_close(void)
{
	if (monc.polling) {
		uv_poll_stop(&monc.poll);
		uv_close((uv_handle_t *)&monc.poll, NULL);
		monc.polling = 0;
	}
}

static int monc_watch(pid_t pid, monc_exit_fn fn, void *arg)
{
	if (monc.n_watch == MONC_WATCH_MAX)
		return -EAGAIN;
	monc.watch[monc.n_watch++] = (struct monc_watch){ pid, fn, arg };
	return 0;
}

static int monc_spawned(monc_exit_fn fn, void *arg, pid_t *pid, struct trex_err *err)
{
	*pid = (pid_t)monc.msg->num;
	if (*pid <= 0)
		return trex_err_setx(err, -EPROTO, "monitor: no pid");
	/* the loop reads the end only after this returns */
	if (monc_watch(*pid, fn, arg) < 0) {
		struct trex_err kerr = { 0 };
		pthread_mutex_unlock(&monc_lock);
		monc_kill(*pid, SIGKILL, &kerr);
		pthread_mutex_lock(&monc_lock);
		return trex_err_setx(err, -EAGAIN, "too many sandboxes");
	}
	return 0;
}

int monc_spawn_run(const char *id, const char *dataset, const char *runtime,
		   const long limits[MON_NLIMITS], const char *const *command, size_t n_command,
		   const int fds[MON_NFDS], monc_exit_fn on_exit, void *arg, pid_t *pid,
		   struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_SPAWN_RUN);
	mon_put_str(&w, id, strlen(id));
	mon_put_str(&w, dataset, strlen(dataset));
	mon_put_str(&w, runtime, strlen(runtime));
	for (int i = 0; i < MON_NLIMITS; i++)
		mon_put_u64(&w, limits[i] > 0 ? (uint64_t)limits[i] : 0);
	mon_put_list(&w, command, n_command);
	int r = monc_call(&w, fds, MON_NFDS, err);
	if (r == 0)
		r = monc_spawned(on_exit, arg, pid, err);
	pthread_mutex_unlock(&monc_lock);
	return r;
}

int monc_spawn_check(const char *id, long output_mb, const char *ids_key, int previous,
		     const char *const *files, size_t n_files, const int fds[MON_NFDS],
		     monc_exit_fn on_exit, void *arg, pid_t *pid, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_SPAWN_CHECK);
	mon_put_str(&w, id, strlen(id));
	mon_put_u64(&w, output_mb > 0 ? (uint64_t)output_mb : 0);
	mon_put_str(&w, ids_key ? ids_key : "", ids_key ? strlen(ids_key) : 0);
	mon_put_u64(&w, previous ? 1 : 0);
	mon_put_list(&w, files, n_files);
	int r = monc_call(&w, fds, MON_NFDS, err);
	if (r == 0)
		r = monc_spawned(on_exit, arg, pid, err);
	pthread_mutex_unlock(&monc_lock);
	return r;
}

int monc_slurm(const struct monc_slurm_req *q, const int fds[MON_NFDS], monc_exit_fn on_exit,
	       void *arg, pid_t *pid, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_SLURM);
	mon_put_u64(&w, (uint64_t)q->op);
	mon_put_str(&w, q->job ? q->job : "", q->job ? strlen(q->job) : 0);
	mon_put_u64(&w, q->attempt);
	mon_put_u64(&w, q->uid);
	mon_put_str(&w, q->dataset ? q->dataset : "", q->dataset ? strlen(q->dataset) : 0);
	mon_put_str(&w, q->runtime ? q->runtime : "", q->runtime ? strlen(q->runtime) : 0);
	for (int i = 0; i < MON_NLIMITS; i++)
		mon_put_u64(&w, q->limits[i] > 0 ? (uint64_t)q->limits[i] : 0);
	mon_put_list(&w, q->command, q->n_command);
	int r = monc_call(&w, fds, MON_NFDS, err);
	if (r == 0)
		r = monc_spawned(on_exit, arg, pid, err);
	pthread_mutex_unlock(&monc_lock);
	return r;
}

int monc_id_index(const char *dataset, char key[65], pid_t *pid, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_ID_INDEX);
	mon_put_str(&w, dataset, strlen(dataset));
	int r = monc_call(&w, NULL, 0, err);
	if (r == 0 && (monc.msg->text_len != 64 || monc.msg->num > INT_MAX))
		r = trex_err_setx(err, -EPROTO, "monitor: not an index key");
	if (r == 0) {
		memcpy(key, monc.msg->text, 65);
		*pid = (pid_t)monc.msg->num;
	}
	pthread_mutex_unlock(&monc_lock);
	return r;
}

static int monc_runtime_ask(const char *runtime, char **ident, pid_t *pid, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_RUNTIME_ID);
	mon_put_str(&w, runtime, strlen(runtime));
	int r = monc_call(&w, NULL, 0, err);
	if (r == 0 && monc.msg->num > INT_MAX)
		r = trex_err_setx(err, -EPROTO, "monitor: not a pid");
	if (r == 0) {
		*pid = (pid_t)monc.msg->num;
		*ident = *pid ? NULL : trex_strndup(monc.msg->text, monc.msg->text_len);
		if (!*pid && !*ident)
			r = trex_err_setx(err, -ENOMEM, "out of memory");
	}
	pthread_mutex_unlock(&monc_lock);
	return r;
}

int monc_runtime_id(const char *runtime, char **ident, struct trex_err *err)
{
	/* one probe at a time from this side, as index builds */
	static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&one);
	pid_t pid = 0;
	int r = monc_runtime_ask(runtime, ident, &pid, err);
	if (r == 0 && pid) {
		int64_t status = 0;
		int sig = 0;
		monc_wait_exit(pid, &status, &sig);
		r = monc_runtime_ask(runtime, ident, &pid, err);
		/* reloaded meanwhile: the probe's answer was for the old one */
		if (r == 0 && pid)
			r = trex_err_setx(err, -EAGAIN, "runtime %s: its probe started again",
					  runtime);
	}
	pthread_mutex_unlock(&one);
	return r;
}

int monc_reload_status(struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_RELOAD_STATUS);
	int r = monc_call(&w, NULL, 0, err);
	if (r == 0 && monc.msg->num != 0)
		r = trex_err_setx(err, -EINVAL, "%s", monc.msg->text);
	pthread_mutex_unlock(&monc_lock);
	return r;
}

int monc_adopt(const char *id, pid_t *pid, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_ADOPT);
	mon_put_str(&w, id, strlen(id));
	int r = monc_call(&w, NULL, 0, err);
	if (r == 0 && monc.msg->num > INT_MAX)
		r = trex_err_setx(err, -EPROTO, "monitor: not a pid");
	if (r == 0)
		*pid = (pid_t)monc.msg->num;
	pthread_mutex_unlock(&monc_lock);
	return r;
}

int monc_watch_pid(pid_t pid, monc_exit_fn fn, void *arg)
{
	return monc_watch(pid, fn, arg);
}

void monc_unwatch(pid_t pid)
{
	for (size_t i = 0; i < monc.n_watch; i++)
		if (monc.watch[i].pid == pid) {
			monc.watch[i] = monc.watch[--monc.n_watch];
			return;
		}
}

int monc_kill(pid_t pid, int sig, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_KILL);
	mon_put_u64(&w, (uint64_t)pid);
	mon_put_u64(&w, (uint64_t)sig);
	int r = monc_call(&w, NULL, 0, err);
	pthread_mutex_unlock(&monc_lock);
	return r;
}

int monc_sign(int type, const char *text, size_t len, char **sig, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, (uint32_t)type);
	mon_put_str(&w, text, len);
	int r = monc_call(&w, NULL, 0, err);
	if (r == 0) {
		*sig = trex_strdup(monc.msg->text);
		if (!*sig)
			r = trex_err_setx(err, -ENOMEM, "out of memory");
	}
	pthread_mutex_unlock(&monc_lock);
	return r;
}

/* monc_exchange copies up to MON_MAX_FDS received fds into the caller's */
_Static_assert(MON_TLS_NFDS >= MON_MAX_FDS, "monc_tls_files' array holds every fd received");

int monc_tls_files(int fds[MON_TLS_NFDS], int *n_fds, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_TLS_FILES);
	int n = mon_end(&w), got = 0;
	int r = monc_exchange(monc.sock, w.buf, (size_t)n, NULL, 0, monc.msg, fds, &got, err);
	/* as many as the answer says: the CRL is optional */
	if (r == 0 && (got < MON_TLS_NFDS - 1 || (uint64_t)got != monc.msg->num))
		r = trex_err_setx(err, -EPROTO, "monitor: %d TLS files", got);
	*n_fds = r == 0 ? got : 0;
	if (r < 0)
		for (int i = 0; i < got; i++)
			close(fds[i]);
	pthread_mutex_unlock(&monc_lock);
	return r;
}

int monc_listen(int *fd, struct trex_err *err)
{
	pthread_mutex_lock(&monc_lock);
	struct mon_writer w;
	mon_begin(&w, monc.buf, MON_LISTEN);
	int n = mon_end(&w), got = 0, fds[MON_MAX_FDS];
	int r = monc_exchange(monc.sock, w.buf, (size_t)n, NULL, 0, monc.msg, fds, &got, err);
	if (r == 0 && got != 1)
		r = trex_err_setx(err, -EPROTO, "monitor: %d fds for the socket", got);
	if (r < 0)
		for (int i = 0; i < got; i++)
			close(fds[i]);
	else
		*fd = fds[0];
	pthread_mutex_unlock(&monc_lock);
	return r;
}
