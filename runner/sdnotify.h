/* systemd's two start-up protocols, spoken without libsystemd (both are
 * a few lines of socket code, documented in sd_notify(3) and
 * sd_listen_fds(3)):
 *
 * - readiness: with Type=notify, systemd waits for "READY=1" on the
 *   datagram socket named by $NOTIFY_SOCKET before it calls trexd
 *   started, so units ordered after trexd.service find the API serving;
 *   "RELOADING=1" and "STOPPING=1" tell it what a SIGHUP or SIGTERM is
 *   doing. The service process sends them (the unit says
 *   NotifyAccess=all: it is the monitor's child).
 * - socket activation: trexd.socket holds the API socket, so clients
 *   connecting while trexd starts or restarts queue instead of failing;
 *   trexd gets it as fd 3 with LISTEN_FDS=1 and LISTEN_PID=its pid. */
#ifndef TREX_RUNNER_SDNOTIFY_H
#define TREX_RUNNER_SDNOTIFY_H

#include "err.h"

/* Send STATE (e.g. "READY=1") to $NOTIFY_SOCKET: 0 when sent or when
 * there is no such variable, else -errno (never fatal to trexd: the
 * caller logs it). */
int sdnotify_send(const char *state);

/* The API socket handed over by socket activation: the fd (3) when
 * LISTEN_PID is this process and LISTEN_FDS is 1, after checking that it
 * is a listening unix stream socket bound to `path` (the configured
 * socket: an activation for another path is an operator's mistake, and
 * would serve the API where the configuration does not say); 0 when
 * trexd was not activated; -EINVAL with err naming what is wrong.
 * Clears LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES either way, so no
 * process trexd starts sees them. */
int sdnotify_listen_fd(const char *path, struct trex_err *err);

#endif
