/* trex: the researcher's command-line agent for trexd (CONTRACTS.md 4). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cli.h"
#include "agent/cliconf.h"
#include "agent/client.h"
#include "agent/dummy.h"
#include "common/esc.h"
#include "common/suggest.h"

static const char usage[] =
	"usage: trex [OPTIONS] VERB [ARGS]\n"
	"\n"
	"Researchers:\n"
	"  submit MANIFEST [DIR] [--permit FILE]\n"
	"                              upload a job: the manifest and every regular file\n"
	"                              under DIR (default: the manifest's folder), except\n"
	"                              the manifest, the permit and dotfiles (max 1000\n"
	"                              files, 32 MiB); --permit sends the signed data\n"
	"                              permit; prints the job id\n"
	"  run --local MANIFEST [DIR] --data DIR [-o OUT] [--policy NAME]\n"
	"         [--trexd-config FILE]\n"
	"                              run the job here as trexd would (same sandbox,\n"
	"                              runtime, limits, then trex-check with the policy\n"
	"                              pack), without trexd and, when not root, without\n"
	"                              root (rootless sandbox): on dummy data in DIR\n"
	"                              (--data) standing for the manifest's dataset;\n"
	"                              shows the logs, each output's decision and\n"
	"                              flagged cells; OUT (default trex-local-out) gets\n"
	"                              outputs/, released/, report.json, run.json and the\n"
	"                              logs; the exit status is the job's (0, 10-14)\n"
	"  run --local --like JOB [DIR] --data DIR [-o OUT] [--trexd-key PUB]\n"
	"         [--trexd-config FILE]\n"
	"                              rerun a released job of yours on dummy data: its\n"
	"                              manifest from trexd, its code from DIR (default .),\n"
	"                              the runtime and policy its signed reproducibility\n"
	"                              record names; warns when a code file, the local\n"
	"                              pack or the runtime's interpreters or packages\n"
	"                              differ from the record\n"
	"  status JOB                  state, reason, run result, outputs and logs\n"
	"  wait JOB [--timeout S]      follow the job until it ends, showing each state\n"
	"                              change and the time since it was submitted (a\n"
	"                              progress line on a terminal, plain lines on\n"
	"                              stderr otherwise), then print its status; the\n"
	"                              exit status says how it ended (below)\n"
	"  cancel JOB                  cancel a queued, waiting or running job (its\n"
	"                              submitter or an operator)\n"
	"  list [--state S] [--project P] [--user U] [--since TIME] [--limit N]\n"
	"                              the jobs you may see, newest first, one per line:\n"
	"                              id, state, project, submitter, created (UTC);\n"
	"                              all of them (every page) unless --limit N;\n"
	"                              TIME is 2026-11-29T10:00:00Z or 2026-11-29\n"
	"  outputs JOB                 list released files: name, size, sha256, verdict\n"
	"  fetch JOB [NAME...] [-o DIR|-]  download released files (all by default) into\n"
	"                              DIR (default .), checking size and SHA-256;\n"
	"                              -o - writes the one file named (or the job's only\n"
	"                              one) to stdout; names with a subfolder\n"
	"                              (tables/a.csv) are written under DIR with their\n"
	"                              folders; the signed release manifest is checked\n"
	"                              first (--trexd-key PUB, else trexd's key pinned at\n"
	"                              first use in ~/.config/trex/pins/; --no-verify\n"
	"                              skips the check, for a trexd without them);\n"
	"                              then shows the manifest's reproducibility record\n"
	"                              (runtime, dataset version, policy digest, trex\n"
	"                              version, limits)\n"
	"  datasets [NAME]             the datasets trexd serves; with NAME, its codebook:\n"
	"                              files, columns, types, category values, rounded\n"
	"                              ranges, identifier columns (docs/datasets.md)\n"
	"  dummy NAME -o DIR [--rows N] [--seed N] [--codebook FILE]\n"
	"                              a synthetic dataset of NAME's shape (its codebook,\n"
	"                              or FILE's) in DIR, a new or empty folder: the same\n"
	"                              files and columns, values drawn from the codebook;\n"
	"                              N rows in the largest file (default 1000)\n"
	"  logs JOB [stdout|stderr]    print the job's logs (stdout to stdout, stderr to\n"
	"                              stderr) once a checker released them; a log\n"
	"                              still held or rejected is an error (exit 1)\n"
	"\n"
	"Approvers:\n"
	"  permit keygen PRIV PUB      make an approver key pair\n"
	"  permit sign --key PRIV FILE [-o OUT]   sign an unsigned permit\n"
	"  permit verify --key PUB [--revoked ID] [--project P --researcher R\n"
	"         --dataset D --runtime RT] FILE  check a permit as trexd does\n"
	"  permit show FILE            print a permit\n"
	"  approve JOB [--digest JOB_SHA256]\n"
	"                              show a strict-permit job as it would be approved\n"
	"                              (manifest, policy, every file's SHA-256 and size)\n"
	"                              and its job_sha256; with --digest, approve it if\n"
	"                              it still has that digest\n"
	"\n"
	"Output checkers:\n"
	"  review list [--all]         what awaits you, oldest first: held outputs and\n"
	"                              held logs of jobs you did not submit, with the\n"
	"                              release votes so far (two-checker rule); --all\n"
	"                              adds those waiting for another checker's vote\n"
	"  review show JOB FILE        the held table, flagged cells marked [..]*N, then\n"
	"                              each flagged cell's row, column, rule, action and\n"
	"                              reason\n"
	"  review web                  print a one-time link (2 minutes) that signs you\n"
	"                              in to trexd's review page in a browser\n"
	"  review JOB FILE --release|--reject --reason TEXT\n"
	"                              decide on an output held for review\n"
	"  review JOB --log stdout|stderr --release|--reject --reason TEXT\n"
	"                              decide on a job's held log\n"
	"  held JOB FILE -o OUT|-      save an output held for review (0600), or print it\n"
	"  acro JOB -o DIR             (checker, auditor) the job's SACRO Viewer export\n"
	"                              (its released tables, each cell's check result)\n"
	"                              into DIR, a new or empty folder\n"
	"\n"
	"Auditors:\n"
	"  audit verify FILE [--trexd-key PUB|DIR]... [--complete] [--head SEQ:HASH]\n"
	"         [--checkpoint FILE]  check an audit log; names the first bad line;\n"
	"                              each checkpoint with the trexd key it names\n"
	"                              (rotations the given keys signed are followed);\n"
	"                              --head/--checkpoint: a head or signed checkpoint\n"
	"                              kept elsewhere that the log must still hold\n"
	"  audit head [--checkpoint OUT]  trexd's audit head now, SEQ:HASH; OUT gets its\n"
	"                              last signed checkpoint line\n"
	"  audit show --job ID | --project NAME   audit lines from trexd\n"
	"\n"
	"  verify MANIFEST --trexd-key PUB|DIR... [--files DIR]\n"
	"                              check a saved release manifest (JOB.release.json)\n"
	"                              offline with the trexd key it names (retired keys:\n"
	"                              STATE/keys/); --files: each listed file in DIR;\n"
	"                              shows its reproducibility record, if any\n"
	"\n"
	"Operators:\n"
	"  doctor [ARG...]             (on trexd's host) trexd --check-host ARG...: can\n"
	"                              this host run the configuration's jobs; one line\n"
	"                              per check; exit 1 when one fails\n"
	"\n"
	"JOB is a job id or an unambiguous prefix of one, or of its random part (the\n"
	"hex digits after '-').\n"
	"\n"
	"options (before the verb; --json also after it):\n"
	"  --socket PATH   trexd's socket (default $TREX_SOCKET, else the config file's\n"
	"                  \"socket\", else " CLI_DEFAULT_SOCKET ")\n"
	"  --url https://HOST:PORT\n"
	"                  trexd's TLS listener instead (default $TREX_URL, else the\n"
	"                  config file's \"url\"); TLS 1.3, trexd's certificate must\n"
	"                  chain to --cacert and name HOST\n"
	"  --cert FILE, --key FILE\n"
	"                  client certificate and key (PEM) that identify you to trexd\n"
	"                  (default $TREX_CERT, $TREX_KEY, the config file's)\n"
	"  --cacert FILE   CA certificates to verify trexd with (default $TREX_CACERT,\n"
	"                  the config file's, else the system's)\n"
	"  --config FILE   trex's config file (default $TREX_CONFIG, else\n"
	"                  $XDG_CONFIG_HOME/trex/config.json or\n"
	"                  ~/.config/trex/config.json, when it exists): a JSON object\n"
	"                  with \"socket\" or \"url\", \"cert\", \"key\", \"cacert\"\n"
	"  --json          print one JSON document on stdout instead of text (every\n"
	"                  verb; errors stay text on stderr)\n"
	"  -V, --version   trex's version\n"
	"  -h, --help      this help\n"
	"\n"
	"exit status:\n"
	"   0  done; wait, run --local: the job was released\n"
	"   1  trexd refused, or a download failed its size/SHA-256 check or could not\n"
	"      be written (the reason on stderr)\n"
	"   2  bad usage, an ambiguous job id, or unreadable local input (manifest,\n"
	"      folder, permit, config file)\n"
	"   3  approve: the job was shown, nothing approved (no --digest)\n"
	"   4  trexd could not be reached (no socket, connection or TLS refused, no\n"
	"      answer)\n"
	"   5  wait: --timeout passed before the job ended\n"
	"  10  wait, run --local: partially released\n"
	"  11  wait, run --local: held for a checker\n"
	"  12  wait, run --local: blocked, or rejected\n"
	"  13  wait, run --local: failed (or refused)\n"
	"  14  wait, run --local: timed out (its time or CPU limit)\n"
	"  15  wait: cancelled\n"
	"\n"
	"Bash completion: source agent/trex.bash (docs/cli.md).\n";

/* an environment variable, NULL when unset or empty */
static const char *main_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* The endpoint and TLS files: the command line, else the environment,
 * else trex's config file (cliconf.h), else the default socket. */
struct main_opts {
	const char *socket, *url, *cert, *key, *cacert, *config;
};

static int main_endpoint(struct main_opts *o, struct cli_ctx *ctx, struct cliconf *cfp)
{
	struct cliconf cf;
	struct trex_err err = { 0 };
	int lr = cliconf_load(o->config, &cf, &err);
	*cfp = cf; /* freed by main once the verb is done */
	if (lr < 0) {
		fprintf(stderr, "trex: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	const char *env_socket = main_env("TREX_SOCKET"), *env_url = main_env("TREX_URL");
	if (o->socket && o->url)
		return cli_usage_error("", "--socket and --url exclude each other");
	/* the most specific source of an endpoint wins as a whole */
	if (!o->socket && !o->url) {
		o->url = env_url;
		o->socket = env_url ? NULL : env_socket;
	}
	if (!o->socket && !o->url) {
		o->url = cf.url;
		o->socket = cf.socket;
	}
	if (!o->cert)
		o->cert = main_env("TREX_CERT") ? main_env("TREX_CERT") : cf.cert;
	if (!o->key)
		o->key = main_env("TREX_KEY") ? main_env("TREX_KEY") : cf.key;
	if (!o->cacert)
		o->cacert = main_env("TREX_CACERT") ? main_env("TREX_CACERT") : cf.cacert;
	if (o->url && strncmp(o->url, "https://", 8) != 0)
		return cli_usage_error("", "--url must start with https:// (got %s)", o->url);
	ctx->socket = o->url ? o->url : o->socket ? o->socket : CLI_DEFAULT_SOCKET;
	if (o->url) {
		struct client_tls_files tls = { o->cert, o->key, o->cacert };
		client_set_tls(&tls);
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(const struct cli_ctx *, int, char **);
} main_verbs[] = {
	{ "submit", cli_submit },   { "run", cli_run },       { "status", cli_status },
	{ "wait", cli_wait },
	{ "cancel", cli_cancel },   { "list", cli_list },     { "outputs", cli_outputs },
	{ "fetch", cli_fetch },     { "logs", cli_logs },     { "permit", cli_permit },
	{ "approve", cli_approve }, { "review", cli_review }, { "held", cli_held },
	{ "acro", cli_acro },       { "audit", cli_audit },   { "doctor", cli_doctor },
	{ "datasets", cli_datasets }, { "dummy", cli_dummy },
	{ "verify", cli_verify },
};
#define MAIN_NVERBS (sizeof(main_verbs) / sizeof(main_verbs[0]))

static int main_unknown_verb(const char *verb)
{
	const char *names[MAIN_NVERBS];
	for (size_t v = 0; v < MAIN_NVERBS; v++)
		names[v] = main_verbs[v].name;
	const char *near = trex_suggest(verb, names, MAIN_NVERBS);
	char list[256];
	trex_suggest_list(names, MAIN_NVERBS, list, sizeof(list));
	char esc[128];
	trex_esc_text(verb, strlen(verb), esc, sizeof(esc));
	fprintf(stderr, "trex: unknown verb '%s'%s%s%s; the verbs are %s.\nTry 'trex --help'.\n",
		esc, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", list);
	return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	enum { OPT_SOCKET = 256, OPT_URL, OPT_CERT, OPT_KEY, OPT_CACERT, OPT_CONFIG, OPT_JSON };
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "url", required_argument, NULL, OPT_URL },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct main_opts o = { 0 };
	struct cli_ctx ctx = { 0 };
	int c;
	opterr = 0;
	/* '+': stop at the verb; its own options are its own */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKET: o.socket = optarg; break;
		case OPT_URL: o.url = optarg; break;
		case OPT_CERT: o.cert = optarg; break;
		case OPT_KEY: o.key = optarg; break;
		case OPT_CACERT: o.cacert = optarg; break;
		case OPT_CONFIG: o.config = optarg; break;
		case OPT_JSON: ctx.json = 1; break;
		case 'V': printf("trex %s\n", TREX_VERSION); return CLI_EXIT_OK;
		case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
		case ':':
			return cli_usage_error("", "%s needs a value", argv[optind - 1]);
		default:
			if (optopt)
				return cli_usage_error("", "unknown option -%c", optopt);
			return cli_usage_error("", "unknown option %s (or it needs a value)",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return CLI_EXIT_USAGE;
	}
	int i = optind;
	size_t v;
	for (v = 0; v < MAIN_NVERBS; v++)
		if (strcmp(argv[i], main_verbs[v].name) == 0)
			break;
	if (v == MAIN_NVERBS)
		return main_unknown_verb(argv[i]);
	for (int k = i + 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0)
			break;
		if (strcmp(argv[k], "-h") == 0 || strcmp(argv[k], "--help") == 0) {
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		}
	}
	struct cliconf cf = { 0 };
	int r = main_endpoint(&o, &ctx, &cf);
	if (r == 0) {
		/* each verb parses its own arguments with getopt_long from the start */
		optind = 0;
		opterr = 0;
		r = main_verbs[v].fn(&ctx, argc - i, argv + i);
	}
	cliconf_free(&cf);
	return r;
}
