/* Command line of trex-sandbox (docs/CONTRACTS.md section 1). Strict: an
 * unknown option, a repeated single-valued option, a number out of range or
 * a missing "--" is an error, since trexd builds this argv and a mistake
 * there must not silently run a job with weaker limits. */
#include "sandbox.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/envvar.h"

enum {
	OPT_DATA = 256, OPT_CODE, OPT_OUTPUT, OPT_ETC, OPT_MEMORY, OPT_PIDS,
	OPT_CPU, OPT_TIMEOUT, OPT_OUTPUT_MB, OPT_OUTPUT_FILES, OPT_PROFILE,
	OPT_SECCOMP_FD, OPT_STATUS_FD, OPT_UID_RANGE, OPT_RO_BIND, OPT_ENV,
	OPT_JOB_ID, OPT_CGROUP_PARENT, OPT_CODE_FD, OPT_OUTPUT_FD, OPT_RO_BIND_FD, OPT_ROOTLESS,
	OPT_HELP,
};

static const struct option sbx_options[] = {
	{ "data", required_argument, NULL, OPT_DATA },
	{ "code", required_argument, NULL, OPT_CODE },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "etc", required_argument, NULL, OPT_ETC },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "cpu-seconds", required_argument, NULL, OPT_CPU },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "output-mb", required_argument, NULL, OPT_OUTPUT_MB },
	{ "output-files", required_argument, NULL, OPT_OUTPUT_FILES },
	{ "seccomp-profile", required_argument, NULL, OPT_PROFILE },
	{ "seccomp-fd", required_argument, NULL, OPT_SECCOMP_FD },
	{ "status-fd", required_argument, NULL, OPT_STATUS_FD },
	{ "uid-range", required_argument, NULL, OPT_UID_RANGE },
	{ "ro-bind", required_argument, NULL, OPT_RO_BIND },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "job-id", required_argument, NULL, OPT_JOB_ID },
	{ "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
	{ "code-fd", required_argument, NULL, OPT_CODE_FD },
	{ "output-fd", required_argument, NULL, OPT_OUTPUT_FD },
	{ "ro-bind-fd", required_argument, NULL, OPT_RO_BIND_FD },
	{ "rootless", no_argument, NULL, OPT_ROOTLESS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void sbx_args_usage(void)
{
	fputs("usage: trex-sandbox [--data DIR] [--code DIR | --code-fd FD]\n"
	      "         [--output DIR | --output-fd FD] [--etc NAME]...\n"
	      "         [--memory MB] [--pids N] [--cpu-seconds S] [--timeout S]\n"
	      "         [--output-mb MB] [--output-files N]\n"
	      "         [--seccomp-profile FILE | --seccomp-fd FD] [--status-fd FD]\n"
	      "         [--uid-range BASE:COUNT] [--ro-bind SRC DEST]...\n"
	      "         [--ro-bind-fd FD DEST]... [--env K=V]...\n"
	      "         [--job-id ID] [--cgroup-parent NAME] [--rootless] -- CMD [ARG...]\n",
	      stderr);
}

bool sbx_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static int sbx_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
			 uint64_t *out, struct trex_err *err)
{
	char *end = NULL;
	if (!s[0] || s[0] < '0' || s[0] > '9')
		return trex_err_setx(err, -EINVAL, "--%s: '%s' is not a number", opt, s);
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return trex_err_setx(err, -EINVAL, "--%s: '%s' is not a number", opt, s);
	if (v < min || v > max)
		return trex_err_setx(err, -EINVAL, "--%s: %llu outside %llu..%llu", opt, v,
				     (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

static int sbx_parse_fd(const char *opt, const char *s, int *fd, struct trex_err *err)
{
	uint64_t v;
	int rc = sbx_parse_u64(opt, s, 0, 1 << 20, &v, err);
	if (rc < 0)
		return rc;
	*fd = (int)v;
	return 0;
}

/* A folder handed over open (--code-fd, --output-fd, --ro-bind-fd):
 * above the standard three, and never the status or seccomp fd. The
 * caller (trexd's monitor) opened it without following a link, so the
 * sandbox binds what was checked, not what a path names by now. */
static int sbx_parse_dir_fd(const char *opt, const char *s, int *fd, struct trex_err *err)
{
	int rc = sbx_parse_fd(opt, s, fd, err);
	if (rc == 0 && *fd <= 2)
		rc = trex_err_setx(err, -EINVAL, "--%s must be above 2", opt);
	return rc;
}

/* Absolute destination without "..", "." or "//" components, not one of
 * the paths the sandbox owns. */
static int sbx_check_dest(const char *d, struct trex_err *err)
{
	static const char *const reserved[] = { "/proc", "/dev", "/output", "/tmp",
						"/data", "/job", "/etc", "/usr" };
	size_t len = strlen(d);
	if (d[0] != '/' || len < 2 || len > 256 || d[len - 1] == '/')
		return trex_err_setx(err, -EINVAL, "--ro-bind: destination must be an absolute path");
	/* every component non-empty, not "." or "..", no control characters */
	for (const char *p = d + 1; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return trex_err_setx(err, -EINVAL, "--ro-bind: destination '%s' is not clean", d);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return trex_err_setx(err, -EINVAL, "--ro-bind: control character in destination");
		p += n + (slash ? 1 : 0);
	}
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		size_t n = strlen(reserved[i]);
		if (!strncmp(d, reserved[i], n) && (d[n] == '\0' || d[n] == '/'))
			return trex_err_setx(err, -EINVAL, "--ro-bind: destination '%s' is reserved", d);
	}
	return 0;
}

int sbx_args_parse(int argc, char **argv, struct sbx_config *cfg, struct trex_err *err)
{
	*cfg = (struct sbx_config){
		.memory_mb = 2048, .pids = 256, .cpu_seconds = 3600, .timeout = 3600,
		.output_mb = 64, .output_files = 1000, .seccomp_fd = -1, .status_fd = -1,
		.uid_base = 200000, .uid_count = 10000, .cgroup_parent = "trex",
		.code_fd = -1, .output_fd = -1, .code_tree = -1,
	};
	bool seen[OPT_HELP + 1] = { false };
	int c;
	int rc = 0;
	optind = 0; /* full getopt reset: parse may run more than once (tests) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", sbx_options, NULL)) != -1) {
		if (c == '?' || c == ':')
			return trex_err_setx(err, -EINVAL, "unknown or incomplete option '%s'",
					     argv[optind - 1]);
		if (c == OPT_HELP)
			return trex_err_setx(err, -EINVAL, "help requested");
		if (c != OPT_RO_BIND && c != OPT_RO_BIND_FD && c != OPT_ENV && c != OPT_ETC) {
			if (seen[c])
				return trex_err_setx(err, -EINVAL, "option '%s' given twice",
						     argv[optind - 1]);
			seen[c] = true;
		}
		switch (c) {
		case OPT_DATA: cfg->data = optarg; break;
		case OPT_CODE: cfg->code = optarg; break;
		case OPT_OUTPUT: cfg->output = optarg; break;
		case OPT_ETC:
			/* a runtime's host /etc entry, named by trexd's runtime
			 * description: one name, mirrored read-only when present */
			if (!sbx_name_valid(optarg))
				return trex_err_setx(err, -EINVAL,
						     "--etc: '%s' must be 1-64 of [A-Za-z0-9_.-], not starting with '.'",
						     optarg);
			if (cfg->netc == SBX_MAX_ETC)
				return trex_err_setx(err, -EINVAL, "too many --etc (max %d)", SBX_MAX_ETC);
			for (unsigned i = 0; i < cfg->netc; i++)
				if (!strcmp(cfg->etc[i], optarg))
					return trex_err_setx(err, -EINVAL, "--etc '%s' given twice", optarg);
			cfg->etc[cfg->netc++] = optarg;
			break;
		case OPT_MEMORY:
			rc = sbx_parse_u64("memory", optarg, 16, 1 << 20, &cfg->memory_mb, err);
			break;
		case OPT_PIDS:
			rc = sbx_parse_u64("pids", optarg, 1, 1 << 16, &cfg->pids, err);
			break;
		case OPT_CPU:
			rc = sbx_parse_u64("cpu-seconds", optarg, 1, 7 * 86400, &cfg->cpu_seconds, err);
			break;
		case OPT_TIMEOUT:
			rc = sbx_parse_u64("timeout", optarg, 1, 7 * 86400, &cfg->timeout, err);
			break;
		case OPT_OUTPUT_MB:
			rc = sbx_parse_u64("output-mb", optarg, 1, 1 << 16, &cfg->output_mb, err);
			break;
		case OPT_OUTPUT_FILES:
			rc = sbx_parse_u64("output-files", optarg, 1, 1 << 20, &cfg->output_files, err);
			break;
		case OPT_PROFILE: cfg->seccomp_profile = optarg; break;
		case OPT_SECCOMP_FD:
			rc = sbx_parse_fd("seccomp-fd", optarg, &cfg->seccomp_fd, err);
			if (rc == 0 && cfg->seccomp_fd <= 2)
				rc = trex_err_setx(err, -EINVAL, "--seccomp-fd must be above 2");
			break;
		case OPT_STATUS_FD:
			rc = sbx_parse_fd("status-fd", optarg, &cfg->status_fd, err);
			if (rc == 0 && cfg->status_fd == 0)
				rc = trex_err_setx(err, -EINVAL, "--status-fd cannot be 0");
			break;
		case OPT_UID_RANGE: {
			char *colon = strchr(optarg, ':');
			uint64_t base = 0, count = 0;
			if (!colon)
				return trex_err_setx(err, -EINVAL, "--uid-range: expected BASE:COUNT");
			*colon = '\0';
			rc = sbx_parse_u64("uid-range", optarg, 1000, UINT32_MAX - 1, &base, err);
			*colon = ':';
			if (rc == 0)
				rc = sbx_parse_u64("uid-range", colon + 1, 1, 1 << 24, &count, err);
			if (rc == 0 && base + count > (uint64_t)UINT32_MAX - 1)
				rc = trex_err_setx(err, -EINVAL, "--uid-range: range too high");
			/* never hand the job nobody/nogroup */
			if (rc == 0 && base <= 65534 && base + count > 65534)
				rc = trex_err_setx(err, -EINVAL, "--uid-range: range contains 65534 (nobody)");
			cfg->uid_base = (uint32_t)base;
			cfg->uid_count = (uint32_t)count;
			break;
		}
		case OPT_RO_BIND:
		case OPT_RO_BIND_FD: {
			const char *opt = c == OPT_RO_BIND ? "--ro-bind" : "--ro-bind-fd";
			if (optind >= argc)
				return trex_err_setx(err, -EINVAL, "%s needs %s and DEST", opt,
						     c == OPT_RO_BIND ? "SRC" : "FD");
			if (cfg->nbinds == SBX_MAX_BINDS)
				return trex_err_setx(err, -EINVAL, "too many --ro-bind and --ro-bind-fd (max %d)",
						     SBX_MAX_BINDS);
			struct sbx_bind *b = &cfg->binds[cfg->nbinds];
			*b = (struct sbx_bind){ .fd = -1, .tree = -1, .dest = argv[optind] };
			rc = sbx_check_dest(argv[optind], err);
			if (rc == 0 && c == OPT_RO_BIND) {
				b->src = optarg;
				if (optarg[0] != '/')
					rc = trex_err_setx(err, -EINVAL, "--ro-bind: source '%s' must be absolute", optarg);
			} else if (rc == 0)
				rc = sbx_parse_dir_fd("ro-bind-fd", optarg, &b->fd, err);
			for (unsigned i = 0; rc == 0 && i < cfg->nbinds; i++)
				if (!strcmp(cfg->binds[i].dest, argv[optind]))
					rc = trex_err_setx(err, -EINVAL, "%s: destination '%s' twice", opt, argv[optind]);
			cfg->nbinds++;
			optind++;
			break;
		}
		case OPT_ENV: {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return trex_err_setx(err, -EINVAL, "--env: expected K=V, got '%s'", optarg);
			if (!trex_envvar_name_ok(optarg, (size_t)(eq - optarg)))
				return trex_err_setx(err, -EINVAL,
						     "--env: bad variable name in '%s' ([A-Za-z_][A-Za-z0-9_]*, "
						     "at most 64 bytes, no LD_*)",
						     optarg);
			if (cfg->nenv == SBX_MAX_ENV)
				return trex_err_setx(err, -EINVAL, "too many --env (max %d)", SBX_MAX_ENV);
			cfg->env[cfg->nenv++] = optarg;
			break;
		}
		case OPT_CODE_FD:
			rc = sbx_parse_dir_fd("code-fd", optarg, &cfg->code_fd, err);
			break;
		case OPT_OUTPUT_FD:
			rc = sbx_parse_dir_fd("output-fd", optarg, &cfg->output_fd, err);
			break;
		case OPT_JOB_ID:
			if (!sbx_name_valid(optarg))
				return trex_err_setx(err, -EINVAL, "--job-id: '%s' must be 1-64 of [A-Za-z0-9_.-]", optarg);
			cfg->job_id = optarg;
			break;
		case OPT_ROOTLESS: cfg->rootless = true; break;
		case OPT_CGROUP_PARENT:
			if (!sbx_name_valid(optarg))
				return trex_err_setx(err, -EINVAL, "--cgroup-parent: '%s' must be 1-64 of [A-Za-z0-9_.-]", optarg);
			cfg->cgroup_parent = optarg;
			break;
		}
		if (rc < 0)
			return rc;
	}
	if (cfg->seccomp_profile && cfg->seccomp_fd >= 0)
		return trex_err_setx(err, -EINVAL, "--seccomp-profile and --seccomp-fd exclude each other");
	if (cfg->code && cfg->code_fd >= 0)
		return trex_err_setx(err, -EINVAL, "--code and --code-fd exclude each other");
	if (cfg->output && cfg->output_fd >= 0)
		return trex_err_setx(err, -EINVAL, "--output and --output-fd exclude each other");
	cfg->has_code = cfg->code || cfg->code_fd >= 0;
	/* one open folder, one use: the status and seccomp fds are read
	 * or written as such, and a folder bound twice is a mistake */
	int used[SBX_MAX_BINDS + 4] = { cfg->status_fd, cfg->seccomp_fd, cfg->code_fd,
					cfg->output_fd };
	unsigned n_used = 4;
	for (unsigned i = 0; i < cfg->nbinds; i++)
		used[n_used++] = cfg->binds[i].fd;
	for (unsigned i = 0; i < n_used; i++)
		for (unsigned j = i + 1; j < n_used; j++)
			if (used[i] >= 0 && used[i] == used[j])
				return trex_err_setx(err, -EINVAL, "fd %d given for two options", used[i]);
	if (optind < 1 || strcmp(argv[optind - 1], "--") != 0)
		return trex_err_setx(err, -EINVAL, "missing '--' before the command");
	if (optind >= argc || argv[optind][0] == '\0')
		return trex_err_setx(err, -EINVAL, "missing command after '--'");
	cfg->argv = argv + optind;
	return 0;
}
