/* trexd's privileged monitor (docs/DESIGN.md "Privilege separation"): the
 * parent process that holds trexd's signing key and starts and ends
 * trex-sandbox for the service process (its child), answering a short
 * list of size-checked requests on a socketpair (monproto.h) and checking
 * every field against its own copy of the configuration. */
#ifndef TREX_RUNNER_MONITOR_H
#define TREX_RUNNER_MONITOR_H

#include <signal.h>
#include <sys/types.h>

#include "config.h"
#include "recover.h"
#include "err.h"

struct trex_key;

struct monitor_opts {
	const struct config *cfg; /* as loaded and checked at start */
	int seccomp_fd;           /* compiled default profile, or -1 */
	int sock;                 /* requests from the service, answered in turn */
	int events;               /* MON_EXITED to the service */
	pid_t service;            /* the service process, or -1 (a test's client) */
	uid_t service_uid;        /* its user: a sandbox's outputs become its */
	gid_t service_gid;        /* (0: left root's) */
	const char *socket;       /* removed once the service ended, or NULL */
	int reload;               /* reload the configuration on SIGHUP (reload.c) */
	/* trexd --accept-audit-head SEQ:HASH (the operator's, as root), or
	 * NULL: the checkpoint floor starts over at that head */
	const char *accept_head;
	/* runs an earlier trexd left that recovery kept (on_restart "adopt"):
	 * watched from their pidfds (given to the monitor) once the service
	 * claims them (MON_ADOPT); NULL: none */
	const struct recover_adoptable *adopted;
};

/* The signals the monitor takes through its signalfd; blocked in every
 * process of trexd until the service unblocks them after fork. */
void monitor_sigset(sigset_t *set);

/* Serve until the service has ended (its exit, or end of file on sock
 * when service is -1), then end the sandboxes still running. Returns the
 * exit status trexd ends with: the service's, or 1 when it died of a
 * signal or the monitor could not start (key, log). */
int monitor_run(const struct monitor_opts *o);

/* The signing key STATE/trexd.key (made with trexd.pub at first start):
 * loaded by the monitor only. Exposed for tests. */
int monitor_load_key(const char *state_dir, struct trex_key **key, char key_id[65],
		     char **pub_pem, struct trex_err *err);

#endif
