/* trex: the researcher's command-line agent for trexd (CONTRACTS.md 4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cli.h"
#include "agent/client.h"

static const char usage[] =
	"usage: trex [--socket PATH | --url https://HOST:PORT [--cert FILE --key FILE]\n"
	"            [--cacert FILE]] VERB [ARGS]\n"
	"\n"
	"  submit MANIFEST [DIR] [--permit FILE]\n"
	"                              upload a job: the manifest and every regular file\n"
	"                              under DIR (default: the manifest's folder), except\n"
	"                              the manifest, the permit and dotfiles (max 1000\n"
	"                              files, 32 MiB); --permit sends the signed data\n"
	"                              permit; prints the job id\n"
	"  status JOB [--json]         state, reason, run result, outputs and logs\n"
	"                              (--json: the job as trexd returns it)\n"
	"  wait JOB [--timeout S]      follow the job's events (GET /v1/events; polls an\n"
	"                              older trexd) until it ends, then print its status\n"
	"  list [--state S] [--project P] [--user U] [--since TIME] [--limit N]\n"
	"                              the jobs you may see, newest first, one per line:\n"
	"                              id, state, project, submitter, created (UTC);\n"
	"                              all of them (every page) unless --limit N;\n"
	"                              TIME is 2026-11-29T10:00:00Z or 2026-11-29\n"
	"  outputs JOB                 list released files: name, size, sha256, verdict\n"
	"  fetch JOB [NAME...] [-o DIR]  download released files (all by default) into\n"
	"                              DIR (default .), checking size and SHA-256;\n"
	"                              names with a subfolder (tables/a.csv) are\n"
	"                              written under DIR with their folders; the signed\n"
	"                              release manifest is checked first (--trexd-key PUB,\n"
	"                              else trexd's key pinned at first use in\n"
	"                              ~/.config/trex/pins/; --no-verify skips the check,\n"
	"                              for a trexd without release manifests)\n"
	"  logs JOB [stdout|stderr]    print the job's logs (stdout to stdout, stderr to\n"
	"                              stderr) once a checker released them; a log\n"
	"                              still held or rejected is an error (exit 1)\n"
	"  permit keygen PRIV PUB      make an approver key pair\n"
	"  permit sign --key PRIV FILE [-o OUT]   sign an unsigned permit\n"
	"  permit verify --key PUB [--revoked ID] [--project P --researcher R\n"
	"         --dataset D --runtime RT] FILE  check a permit as trexd does\n"
	"  permit show FILE            print a permit\n"
	"  approve JOB [--digest JOB_SHA256]\n"
	"                              (approver) show a strict-permit job as it would\n"
	"                              be approved (manifest, policy, every file's\n"
	"                              SHA-256 and size) and its job_sha256; with\n"
	"                              --digest, approve it if it still has that digest\n"
	"  review JOB FILE --release|--reject --reason TEXT\n"
	"                              (checker) decide on an output held for review\n"
	"  review JOB --log stdout|stderr --release|--reject --reason TEXT\n"
	"                              (checker) decide on a job's held log\n"
	"  held JOB FILE -o OUT        (checker) save an output held for review (0600)\n"
	"  acro JOB -o DIR             (checker, auditor) the job's SACRO Viewer export\n"
	"                              (its released tables, each cell's check result)\n"
	"                              into DIR, a new or empty folder; open it in SACRO\n"
	"                              Viewer\n"
	"  audit verify FILE [--trexd-key PUB] [--complete] [--head SEQ:HASH]\n"
	"         [--checkpoint FILE]  check an audit log; names the first bad line;\n"
	"                              --head/--checkpoint: a head or signed checkpoint\n"
	"                              kept elsewhere that the log must still hold\n"
	"  audit head [--checkpoint OUT]  (auditor) trexd's audit head now, SEQ:HASH;\n"
	"                              OUT gets its last signed checkpoint line\n"
	"  audit show --job ID | --project NAME   (auditor) audit lines from trexd\n"
	"  doctor [ARG...]             (operator, on trexd's host) trexd --check-host\n"
	"                              ARG...: can this host run the configuration's\n"
	"                              jobs; one line per check; exit 1 when one fails\n"
	"\n"
	"options:\n"
	"  --socket PATH   trexd's socket (default $TREX_SOCKET, else " CLI_DEFAULT_SOCKET ")\n"
	"  --url https://HOST:PORT\n"
	"                  trexd's TLS listener instead (default $TREX_URL); TLS 1.3,\n"
	"                  trexd's certificate must chain to --cacert and name HOST\n"
	"  --cert FILE, --key FILE\n"
	"                  client certificate and key (PEM) that identify you to trexd\n"
	"                  (default $TREX_CERT, $TREX_KEY)\n"
	"  --cacert FILE   CA certificates to verify trexd with (default $TREX_CACERT,\n"
	"                  else the system's)\n"
	"  -h, --help      this help\n"
	"\n"
	"exit status: 0 ok; 1 trexd refused or could not be reached, or a download\n"
	"failed its size/SHA-256 check or could not be written (message on stderr);\n"
	"2 bad usage or unreadable local input (manifest, folder, permit); 3 (wait)\n"
	"the job ended without a release, or --timeout passed; (approve) the job was\n"
	"shown, nothing approved (no --digest).\n";

/* an environment variable, NULL when unset or empty */
static const char *main_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = { .socket = getenv("TREX_SOCKET") };
	const char *url = main_env("TREX_URL");
	struct client_tls_files tls = { main_env("TREX_CERT"), main_env("TREX_KEY"),
					main_env("TREX_CACERT") };
	int socket_given = 0;
	if (!ctx.socket || !ctx.socket[0])
		ctx.socket = CLI_DEFAULT_SOCKET;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		static const char *const opts[] = { "--socket", "--url", "--cert", "--key",
						    "--cacert" };
		const char **dst[] = { &ctx.socket, &url, &tls.cert, &tls.key, &tls.cacert };
		size_t o, ol = 0;
		for (o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
			ol = strlen(opts[o]);
			if (strncmp(argv[i], opts[o], ol) == 0 &&
			    (argv[i][ol] == '\0' || argv[i][ol] == '='))
				break;
		}
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		} else if (o < sizeof(opts) / sizeof(opts[0])) {
			if (argv[i][ol] == '=')
				*dst[o] = argv[i] + ol + 1;
			else if (i + 1 < argc)
				*dst[o] = argv[++i];
			else
				return cli_usage_error("", "%s needs a value", opts[o]);
			socket_given |= o == 0;
		} else {
			fprintf(stderr, "trex: unknown option %s\n%s", argv[i], usage);
			return CLI_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fputs(usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (url && socket_given)
		return cli_usage_error("", "--socket and --url (or $TREX_URL) exclude each other");
	if (url && strncmp(url, "https://", 8) != 0)
		return cli_usage_error("", "--url must start with https:// (got %s)", url);
	if (url) {
		ctx.socket = url; /* the endpoint every request goes to */
		client_set_tls(&tls);
	}
	static const struct {
		const char *name;
		int (*fn)(const struct cli_ctx *, int, char **);
	} verbs[] = {
		{ "submit", cli_submit }, { "status", cli_status }, { "wait", cli_wait },
		{ "outputs", cli_outputs }, { "fetch", cli_fetch },
		{ "permit", cli_permit }, { "approve", cli_approve },
		{ "review", cli_review }, { "held", cli_held }, { "acro", cli_acro },
		{ "audit", cli_audit },
		{ "list", cli_list }, { "logs", cli_logs }, { "doctor", cli_doctor },
	};
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		if (strcmp(argv[i], verbs[v].name) != 0)
			continue;
		for (int k = i + 1; k < argc; k++)
			if (strcmp(argv[k], "-h") == 0 || strcmp(argv[k], "--help") == 0) {
				fputs(usage, stdout);
				return CLI_EXIT_OK;
			}
		return verbs[v].fn(&ctx, argc - i, argv + i);
	}
	fprintf(stderr, "trex: unknown verb '%s' (this trex knows submit, status, wait, "
			"list, outputs, fetch, logs, permit, approve, review, held, audit, doctor)\n%s",
		argv[i], usage);
	return CLI_EXIT_USAGE;
}
