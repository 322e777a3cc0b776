/* SIGHUP: read the configuration again and switch to it only when it is
 * whole and valid; otherwise keep serving with the old one and log why.
 * The switch is one pointer store on the loop thread (d->cfg), between two
 * callbacks, so no request or job sees half of each. What is fixed at start
 * (the state folder, the socket and its mode, the body cap the HTTP server
 * was built with, the scheduler's slots, the compiled seccomp profile, the
 * TLS listen address, the service user) cannot change this way: a reload
 * that changes it is refused. TLS certificate, key, client CA and CRL files are read again
 * on every reload (rotation, revocation) and must load and match like the rest, else the whole
 * reload is refused and the old certificates stay; new connections get the
 * new ones, established ones keep theirs until they close. Old
 * configurations stay allocated until exit, since a job started under one
 * may still hold pointers into it; reloads are rare. */
#include "reload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "http.h"
#include "fsutil.h"
#include "log.h"
#include "monclient.h"
#include "tls.h"

#define RELOAD_MAX_OLD 1024
#define RELOAD_TLS_MAX (1u << 20) /* bytes read of one TLS file */

static struct reload_opts reload_opts;
static struct config *reload_old[RELOAD_MAX_OLD];
static size_t reload_n_old;
static struct config *reload_current; /* heap copy in use, NULL = main's */

void reload_init(const struct reload_opts *o)
{
	reload_opts = *o;
}

static int reload_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int reload_load(struct trexd *d, struct config *c, struct trex_err *err)
{
	const struct reload_opts *o = &reload_opts;
	int r = config_init_defaults(c, err);
	if (r == 0)
		r = config_load_file(c, o->config_file, err);
	/* the command line's overrides, as at start (main.c) */
	if (r == 0 && o->state_dir) {
		trex_free(c->state_dir);
		c->state_dir = trex_strdup(d->cfg->state_dir);
		if (!c->state_dir)
			r = trex_err_setx(err, -ENOMEM, "out of memory");
	}
	if (r == 0 && o->socket) {
		trex_free(c->socket);
		c->socket = trex_strdup(o->socket);
		if (!c->socket)
			r = trex_err_setx(err, -ENOMEM, "out of memory");
	}
	if (r == 0)
		r = config_add_datasets(c, o->datasets, o->n_datasets, o->id_columns,
					o->n_id_columns, err);
	if (r == 0)
		r = o->service ? config_check_shape(c, err) : config_check(c, err);
	if (r == 0 && o->service)
		r = monc_reload_status(err);
	if (r < 0)
		return r;
	const struct config *old = d->cfg;
	const char *fixed = !reload_same(c->state_dir, old->state_dir) ? "state_dir"
			    : !reload_same(c->socket, old->socket)       ? "socket"
			    : c->socket_mode != old->socket_mode          ? "socket_mode"
			    : c->max_body != old->max_body                ? "max_body_mb"
			    : c->concurrency != old->concurrency          ? "concurrency"
			    : c->on_restart_adopt != old->on_restart_adopt ? "on_restart"
			    : !reload_same(c->seccomp_profile, old->seccomp_profile) ? "seccomp_profile"
			    : !reload_same(c->tls.listen, old->tls.listen)        ? "tls.listen"
			    : !reload_same(c->service_user, old->service_user)    ? "service_user"
			    : !reload_same(c->metrics_listen, old->metrics_listen) ? "metrics_listen"
			    : !reload_same(c->review_listen, old->review_listen) ? "review_listen"
										  : NULL;
	if (fixed)
		return trex_err_setx(err, -EINVAL, "\"%s\" changed: it needs a restart", fixed);
	return 0;
}

/* The service reads the TLS files through the monitor, which opens them
 * as root: each is copied into a memfd of the service's own, which
 * OpenSSL then reads by its /proc/self/fd path. The monitor sends the CRL
 * when its configuration names one; the service's must agree. */
static int reload_tls(const struct config *c, struct tls_server **ts, struct trex_err *err)
{
	int fds[MON_TLS_NFDS], mem[MON_TLS_NFDS] = { -1, -1, -1, -1 }, n_fds = 0;
	int r = monc_tls_files(fds, &n_fds, err);
	if (r < 0)
		return r;
	if (n_fds != (c->tls.crl ? MON_TLS_NFDS : MON_TLS_NFDS - 1))
		r = trex_err_setx(err, -EAGAIN, "tls.crl: the monitor's configuration %s one: "
				  "the file changed during the reload, send SIGHUP again",
				  n_fds == MON_TLS_NFDS ? "has" : "has not");
	char at[MON_TLS_NFDS][64];
	const char *ats[MON_TLS_NFDS] = { NULL, NULL, NULL, NULL };
	for (int i = 0; i < n_fds && r == 0; i++) {
		mem[i] = memfd_create("trexd-tls", MFD_CLOEXEC);
		if (mem[i] < 0) {
			r = trex_err_set(err, -errno, "memfd");
			break;
		}
		char buf[16384];
		size_t total = 0;
		ssize_t n;
		while ((n = read(fds[i], buf, sizeof(buf))) > 0 && total < RELOAD_TLS_MAX) {
			total += (size_t)n;
			if ((r = trex_write_all(mem[i], buf, (size_t)n)) < 0)
				trex_err_set(err, r, "memfd");
		}
		if (r == 0 && n < 0)
			r = trex_err_set(err, -errno, "read TLS file");
		snprintf(at[i], sizeof(at[i]), "/proc/self/fd/%d", mem[i]);
		ats[i] = at[i];
	}
	if (r == 0)
		r = tls_server_new_at(&c->tls, ats, ts, err);
	for (int i = 0; i < n_fds; i++) {
		close(fds[i]);
		if (mem[i] >= 0)
			close(mem[i]);
	}
	return r;
}

int reload_config(struct trexd *d, struct trex_err *err)
{
	if (!reload_opts.config_file)
		return trex_err_setx(err, -ENOENT, "started without --config: nothing to reload");
	if (reload_n_old == RELOAD_MAX_OLD)
		return trex_err_setx(err, -ENOSPC, "too many reloads: restart trexd");
	struct config *c = trex_calloc(1, sizeof(*c));
	if (!c)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	struct tls_server *ts = NULL;
	int r = reload_load(d, c, err);
	if (r == 0 && c->tls.listen && d->http)
		r = monc_ready() ? reload_tls(c, &ts, err) : tls_server_new(&c->tls, &ts, err);
	if (r < 0) {
		config_free(c);
		trex_free(c);
		return r;
	}
	if (reload_current)
		reload_old[reload_n_old++] = reload_current;
	reload_current = c;
	d->cfg = c;
	if (ts)
		http_set_tls(d->http, ts, (uint64_t)c->tls.handshake_timeout_ms);
	return 0;
}

void reload_free(void)
{
	for (size_t i = 0; i < reload_n_old; i++) {
		config_free(reload_old[i]);
		trex_free(reload_old[i]);
	}
	reload_n_old = 0;
	if (reload_current) {
		config_free(reload_current);
		trex_free(reload_current);
		reload_current = NULL;
	}
}
