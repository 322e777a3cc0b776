/* The wire format between trexd's service process and its privileged
 * monitor (docs/DESIGN.md "Privilege separation"). One message is one
 * SOCK_SEQPACKET datagram: a fixed header
 *
 *   u32 magic "TRXM", u32 type, u32 body length
 *
 * then the body, a fixed sequence of fields per type, each a u32 length
 * and that many bytes (a number is a field of exactly 8 bytes, little
 * endian; a string has no NUL and a per-field maximum; a list is a number
 * n then n strings). Nothing else is accepted: a short or long datagram,
 * a length that does not add up, a field over its maximum, bytes left
 * over, a NUL inside a string. Parsing allocates nothing and copies every
 * string, NUL-terminated, into the message's own arena, so a parsed
 * message is self-contained (and the parser is a fuzz target,
 * tests/fuzz/fuzz_monproto.c). What a field may hold beyond its shape
 * (a configured dataset, a limit within the maximum, a path under the
 * state folder) is the monitor's to check (monitor.c). */
#ifndef TREX_RUNNER_MONPROTO_H
#define TREX_RUNNER_MONPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MON_MAGIC 0x4d585254u /* "TRXM" */
#define MON_HDR_LEN 12
/* the largest datagram: a release manifest of 100 outputs fits easily */
#define MON_MSG_MAX (192u << 10)
#define MON_LIST_MAX 256    /* command arguments, or files to check */
#define MON_ARG_MAX 4096    /* one command argument (manifest.c's bound) */
#define MON_NAME_MAX 64     /* dataset, runtime, project names */
#define MON_JOB_ID_MAX 39
#define MON_TEXT_MAX (MON_MSG_MAX - 64)
#define MON_NFDS 3          /* stdout, stderr, status pipes of a spawn */
#define MON_MAX_FDS 4       /* the most one datagram carries (MON_TLS_FILES) */
#define MON_TLS_NFDS 4      /* tls.cert, tls.key, tls.client_ca, tls.crl */

enum mon_type {
	/* service -> monitor, each answered by MON_OK or MON_REFUSED */
	MON_HELLO = 1,       /* (): OK (key_id, public key PEM) */
	MON_SPAWN_RUN,       /* (job, dataset, runtime, 5 limits, command list) + 3 fds: OK (pid) */
	MON_SPAWN_CHECK,     /* (job, output_mb, id index key or "", previous 0/1,
	                      * files list) + 3 fds: OK (pid) */
	MON_KILL,            /* (pid, signal): OK () */
	MON_SIGN_RELEASE,    /* (canonical release manifest): OK (signature) */
	MON_SIGN_CHECKPOINT, /* (checkpoint text): OK (signature) */
	/* monitor -> service */
	MON_OK,              /* (number, text, text2): what each request answers */
	MON_REFUSED,         /* (reason) */
	MON_EXITED,          /* (pid, exit status, signal): a sandbox ended */
	MON_TLS_FILES,       /* service -> monitor (): OK (number of fds) + 3 or 4 fds,
	                      * the configured tls.cert, tls.key, tls.client_ca and,
	                      * when configured, tls.crl, opened read-only */
	MON_LISTEN,          /* service -> monitor (): OK () + 1 fd, the configured
	                      * unix socket bound (once per run) */
	MON_ID_INDEX,        /* service -> monitor (dataset): OK (0 or pid, key). The
	                      * monitor keys the dataset's identifier index; 0: built,
	                      * STATE/idindex/<key>; a pid: the sandbox building it,
	                      * whose MON_EXITED says whether it was installed */
	MON_RELOAD_STATUS,   /* service -> monitor (): OK (0: the monitor's last SIGHUP
	                      * reload is in force, 1: it kept the old one; text: why) */
	MON_SLURM,           /* service -> monitor (op, job, attempt, pool uid, dataset,
	                      * runtime, 5 limits, command list) + 3 fds: OK (pid) of
	                      * sbatch, squeue or scancel, whose output goes to the fds
	                      * and whose end comes as MON_EXITED (monslurm.h) */
	MON_ADOPT,           /* service -> monitor (job): OK (0 or pid). A run a previous
	                      * trexd left (on_restart "adopt"), still alive and proven
	                      * to be that run's trex-sandbox at start-up (pid, start
	                      * time, boot id: runner/recover.c): its pid, whose
	                      * MON_EXITED follows its end; 0: none (runner/adopt.c) */
	MON_RUNTIME_ID,      /* service -> monitor (runtime): OK (0, identity JSON) when
	                      * probed since the monitor's start or last reload, else
	                      * OK (pid, ""): the probe's sandbox, whose MON_EXITED
	                      * says it ended; asked again then (rtident.h) */
	MON_NTYPES
};

enum { MON_LIM_MEMORY, MON_LIM_CPU, MON_LIM_WALL, MON_LIM_PIDS, MON_LIM_OUTPUT, MON_NLIMITS };

struct mon_msg {
	uint32_t type;
	char job[MON_JOB_ID_MAX + 1];
	char dataset[MON_NAME_MAX + 1]; /* SPAWN_RUN, ID_INDEX */
	char runtime[MON_NAME_MAX + 1];
	char ids_key[MON_NAME_MAX + 1]; /* SPAWN_CHECK: STATE/idindex/<key>, "" none */
	uint64_t limits[MON_NLIMITS];
	uint64_t num;      /* pid (KILL, OK of a spawn, EXITED), output_mb (SPAWN_CHECK) */
	uint64_t num2;     /* signal (KILL, EXITED), previous (SPAWN_CHECK) */
	uint64_t num3;     /* exit status (EXITED), pool uid (SLURM) */
	uint64_t op;       /* SLURM: enum monslurm_op */
	size_t n_list;
	const char *list[MON_LIST_MAX + 1]; /* into arena, NULL-terminated */
	const char *text;  /* into arena: what to sign, a reason, a key id */
	size_t text_len;
	const char *text2; /* into arena: OK's second text (the public key) */
	size_t text2_len;
	size_t arena_used;
	char arena[MON_MSG_MAX];
};

/* Parse one datagram of len bytes into m (type and every field of it);
 * -EBADMSG with err naming the field that is wrong. */
int mon_parse(const void *buf, size_t len, struct mon_msg *m, struct trex_err *err);

/* Building a message: mon_put_* append fields after mon_begin; mon_end
 * writes the header's length and returns the datagram's length, or
 * -EMSGSIZE when it outgrew MON_MSG_MAX (every put after that is a no-op). */
struct mon_writer {
	unsigned char *buf; /* MON_MSG_MAX bytes */
	size_t len;
	int overflow;
};
void mon_begin(struct mon_writer *w, unsigned char *buf, uint32_t type);
void mon_put_u64(struct mon_writer *w, uint64_t v);
void mon_put_str(struct mon_writer *w, const char *s, size_t len);
void mon_put_list(struct mon_writer *w, const char *const *v, size_t n);
int mon_end(struct mon_writer *w);

/* A job id as trexd makes them (api_new_job_id): YYYYMMDDTHHMMSS-
 * and 12 lowercase hex digits. 1 when s is one. */
int mon_job_id_ok(const char *s);
/* A name from the configuration's alphabet (dataset, runtime, project,
 * id index key): 1 to 64 of [A-Za-z0-9._-], not starting with '.' or '-'. */
int mon_name_ok(const char *s);

/* Send one datagram with up to MON_MAX_FDS fds (n_fds may be 0); receive one
 * into buf (MON_MSG_MAX bytes) with the fds it carried (closed by the
 * caller; *n_fds set). recv returns the length, 0 at end of file, or
 * -EMSGSIZE for a datagram cut short (too long) or carrying too many fds. */
int mon_send(int sock, const void *buf, size_t len, const int *fds, int n_fds);
int mon_recv(int sock, void *buf, int *fds, int *n_fds);

#endif
