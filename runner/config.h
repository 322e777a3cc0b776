/* trexd configuration (trexd.json): one immutable struct, loaded and checked
 * once at start. Every field is documented in docs/config.md. */
#ifndef TREX_RUNNER_CONFIG_H
#define TREX_RUNNER_CONFIG_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"

struct limits {
	long memory_mb;
	long cpu_seconds;
	long wall_seconds;
	long pids;
	long output_mb;
};

struct dataset {
	char *name;
	char *path;
	char **id_columns;
	size_t n_id_columns;
	/* the operator's codebook (docs/datasets.md), read and checked at
	 * load and served as is; NULL: derived from the dataset (idcache.c) */
	char *codebook;
	json_t *codebook_doc;
};

struct runtime {
	char *name;
	char **env; /* "K=V" strings passed as --env: the defaults, then the config's */
	size_t n_env;
	char **etc; /* host /etc entries passed as --etc */
	size_t n_etc;
	const char *like; /* the built-in it starts from ("python3", "r",
			   * "shell"; static), NULL: none; what its identity
			   * probe asks (runner/rtident.c) */
};

/* Roles (SECURITY.md): bits of struct user.roles. */
enum role {
	ROLE_RESEARCHER = 1 << 0,
	ROLE_APPROVER = 1 << 1,
	ROLE_CHECKER = 1 << 2,
	ROLE_OPERATOR = 1 << 3,
	ROLE_AUDITOR = 1 << 4,
};

/* A caller known to trexd by unix uid (or peer user name) (config "users"). */
struct user {
	char *name;
	long uid;        /* -1: matched by peer user name */
	unsigned roles;  /* enum role bits */
	char **projects; /* projects whose jobs a researcher sees */
	size_t n_projects;
};

/* Permits, roles and audit (runner/config_access.c, docs/config.md). */
struct access_config {
	int require_permit;     /* 1 for config files, 0 for the quick start */
	char **approver_keys;   /* public key files trusted to sign permits */
	size_t n_approver_keys;
	time_t *approver_not_before; /* per key: trusted from (0 = always) */
	time_t *approver_not_after;  /* per key: trusted until, excluded (0 = ever) */
	char **revoked_permits; /* permit ids */
	size_t n_revoked_permits;
	struct user *users;     /* none: legacy identity (own jobs; root all) */
	size_t n_users;
	int two_checkers;       /* a held output needs two distinct checkers */
	int checkpoint_every;   /* signed audit checkpoint every N lines */
};

/* The TLS listener (docs/config.md "tls"); listen NULL = none. */
struct tls_config {
	char *listen;    /* "IPV4:PORT" or "[IPV6]:PORT", numeric; port 0 = any */
	char *cert;      /* server certificate chain, PEM */
	char *key;       /* its private key, PEM */
	char *client_ca; /* CA certificates that client certificates must chain to */
	char *crl;       /* revoked client certificates (PEM CRLs), NULL = none */
	long handshake_timeout_ms;
};

/* The Slurm executor (runner/config_slurm.c, docs/slurm.md); enabled 0
 * when the configuration has no "slurm": every job runs locally. */
struct slurm_config {
	int enabled;
	char *partition;   /* the dedicated partition, default "trex" */
	char *stage_dir;   /* shared storage, the same path on every node */
	char *conf;        /* SLURM_CONF for sbatch/squeue/scancel, NULL: Slurm's own */
	char *bin_dir;     /* folder of sbatch, squeue and scancel, default /usr/bin */
	char *node_runner; /* trex-slurm-node on the nodes, default beside sandbox */
	long pool_uid_base, pool_uid_count; /* "pool_uids": "BASE:COUNT" */
	char **datasets;   /* jobs on these datasets run on Slurm */
	size_t n_datasets;
	long route_wall_seconds; /* and jobs whose wall limit is at least this (0: none) */
	long route_memory_mb;    /* or whose memory limit is at least this (0: none) */
	long poll_ms;            /* squeue every poll_ms while a job is on Slurm */
};

struct config {
	char *state_dir;
	char *socket;
	mode_t socket_mode;
	char *sandbox;    /* trex-sandbox binary */
	char *check;      /* trex-check binary */
	char *policy_dir; /* folder of disclosure packs NAME.json */
	char *policy;     /* default pack name */
	char *seccomp_profile; /* text profile compiled at start, NULL = built-in */
	int concurrency;
	int on_crash_requeue; /* jobs a crash interrupted: 1 re-queue, 0 fail */
	long drain_seconds;   /* SIGTERM: how long running jobs may finish */
	int on_restart_adopt; /* 1: a job's run outlives trexd and the next
			       * start adopts it (runner/adopt.c) */
	char *uid_range;  /* "BASE:COUNT" for trex-sandbox, NULL = its default */
	char *service_user; /* the service process's user (privdrop.h), NULL = default */
	char *metrics_listen; /* "IP:PORT" of the read-only metrics listener, NULL = none */
	char *review_listen;  /* "IP:PORT" (loopback) of the review page (web.h), NULL = none */
	size_t max_body;  /* HTTP body cap in bytes */
	int events_max_subscribers; /* open GET /v1/events streams */
	size_t events_queue;        /* unread bytes per stream before it is dropped */
	long request_timeout_ms; /* a request's first byte to its last (408 after) */
	long idle_timeout_ms;    /* a connection with nothing in flight is closed */
	struct dataset *datasets;
	size_t n_datasets;
	struct runtime *runtimes;
	size_t n_runtimes;
	struct limits limits_default;
	struct limits limits_max;
	struct access_config access;
	struct tls_config tls;
	struct slurm_config slurm;
};

/* Fill built-in defaults: the sandbox, check, policy_dir and
 * seccomp_profile of the installation trexd was built for (paths.h). */
int config_init_defaults(struct config *c, struct trex_err *err);

/* Parse a trexd.json text over the defaults. `file` names the source in
 * error messages ("FILE:LINE: unknown key \"k\" in ..."). */
int config_parse(struct config *c, const char *file, const char *text, size_t len,
		 struct trex_err *err);
int config_load_file(struct config *c, const char *path, struct trex_err *err);

/* The quick start's datasets (docs/config.md): each --dataset NAME=PATH
 * with the id columns of the --id-columns NAME=[COL[,COL...]] of the same
 * name, which is required (NAME= for none); an --id-columns of no
 * --dataset, or given twice, is an error. */
int config_add_datasets(struct config *c, const char *const *datasets, size_t n,
			const char *const *id_columns, size_t m, struct trex_err *err);

/* Final checks (required fields, paths exist, default <= max, every id
 * column in its dataset's files: dataset.h). Reads the header line of the
 * datasets' CSV files, so it runs at start, `trexd -n` and reload. */
int config_check(const struct config *c, struct trex_err *err);
/* The same without touching the datasets (their folders and header
 * lines): the service's reload, which may name datasets but not read
 * them; the monitor checks them (reload.c asks it). */
int config_check_shape(const struct config *c, struct trex_err *err);

/* Parse a tls.listen address ("127.0.0.1:8443", "[::1]:8443"). */
int config_tls_addr(const char *listen, struct sockaddr_storage *out, struct trex_err *err);
/* Whether an address is a loopback one (127.0.0.0/8, ::1). */
int config_loopback(const struct sockaddr_storage *ss);

const struct dataset *config_dataset(const struct config *c, const char *name);
const struct runtime *config_runtime(const struct config *c, const char *name);

void config_free(struct config *c);

/* config_access.c: the top-level keys it owns, their parsing (line = the
 * key's line for messages) and freeing. */
int config_access_key(const char *key);
int config_access_parse(struct config *c, const char *file, int line, const char *key,
			json_t *v, struct trex_err *err);
void config_access_free(struct config *c);
/* config_slurm.c: the "slurm" key, its parsing, checks and freeing. */
int config_slurm_parse(struct config *c, const char *file, int line, json_t *v,
		       struct trex_err *err);
int config_slurm_check(const struct config *c, struct trex_err *err);
void config_slurm_free(struct config *c);
/* 1 when job limits l on dataset ds run on Slurm (the operator's routing). */
int config_slurm_routes(const struct config *c, const char *dataset, const struct limits *l);

/* The configured user for a peer (uid first, then name), or NULL. */
const struct user *config_user(const struct config *c, uid_t uid, const char *name);

#endif
