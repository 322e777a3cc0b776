/* trex audit verify FILE: check an audit log offline; any edited, removed,
 * inserted or reordered line is named. With --trexd-key the signed
 * checkpoints are checked too, and --complete requires the log to end
 * with one (a log copied after trexd stopped), which catches whole lines
 * cut from the end. trex audit show --job ID | --project P asks trexd
 * (auditor role). */
#include "cli.h"

#include <errno.h>
#include <string.h>

#include "agent/client.h"
#include "common/alloc.h"
#include "common/audit.h"
#include "common/cleanup.h"
#include "common/hash.h"
#include "common/sign.h"

/* Walk the (already chain-verified) log and check each checkpoint's
 * signature; returns the last line that was signed. */
static int audit_checkpoints(const char *path, const struct trex_key *key,
			     uint64_t *last_signed, uint64_t *ncheck, int *stopped,
			     struct trex_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return trex_err_set(err, -errno, "open %s", path);
	_cleanup_free_ char *line = trex_malloc(AUDIT_LINE_MAX + 2);
	if (!line)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	char prev[65] = "";
	uint64_t n = 0;
	*last_signed = 0;
	*ncheck = 0;
	*stopped = 0;
	int prev_stop = 0;
	while (fgets(line, AUDIT_LINE_MAX + 2, f)) {
		n++;
		size_t len = strlen(line);
		json_t *j = json_loadb(line, len - 1, 0, NULL);
		const char *ev = json_string_value(json_object_get(j, "event"));
		if (ev && strcmp(ev, "checkpoint") == 0) {
			json_int_t s = json_integer_value(json_object_get(j, "signed_seq"));
			const char *h = json_string_value(json_object_get(j, "signed_hash"));
			const char *sig = json_string_value(json_object_get(j, "signature"));
			char text[160];
			int bad = !h || !sig || (uint64_t)s != n - 1 || strcmp(h, prev) != 0;
			if (!bad) {
				struct trex_err verr = { 0 };
				snprintf(text, sizeof(text), "trex-audit-checkpoint seq=%llu hash=%s",
					 (unsigned long long)s, h);
				bad = trex_verify(key, text, strlen(text), sig, &verr) < 0;
			}
			json_decref(j);
			if (bad)
				return trex_err_setx(err, -EBADMSG,
						     "line %llu: checkpoint signature does not verify with this trexd key",
						     (unsigned long long)n);
			*last_signed = n;
			(*ncheck)++;
			*stopped = prev_stop;
			prev_stop = 0;
		} else {
			prev_stop = ev && strcmp(ev, "trexd_stopped") == 0;
			json_decref(j);
		}
		trex_sha256_hex(line, len - 1, prev);
	}
	return 0;
}

static int audit_verify_verb(int argc, char **argv)
{
	const char *file = NULL, *keyf = NULL;
	int complete = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--trexd-key") == 0 && i + 1 < argc)
			keyf = argv[++i];
		else if (strcmp(argv[i], "--complete") == 0)
			complete = 1;
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			return cli_usage_error("audit", "verify: unexpected %s", argv[i]);
	}
	if (!file)
		return cli_usage_error("audit", "verify needs FILE");
	struct trex_err err = { 0 };
	struct audit_verify_result res;
	if (audit_verify(file, &res, &err) < 0) {
		fprintf(stderr, "trex audit verify: %s: %s\n", file, err.msg);
		return CLI_EXIT_FAILED;
	}
	uint64_t last = 0, nck = 0;
	int stopped = 0;
	if (keyf) {
		struct trex_key *key = NULL;
		if (trex_key_load_public(keyf, &key, &err) < 0) {
			fprintf(stderr, "trex audit verify: %s\n", err.msg);
			return CLI_EXIT_USAGE;
		}
		int r = audit_checkpoints(file, key, &last, &nck, &stopped, &err);
		trex_key_free(key);
		if (r < 0) {
			fprintf(stderr, "trex audit verify: %s: %s\n", file, err.msg);
			return CLI_EXIT_FAILED;
		}
	}
	/* a stopped trexd's last lines are "trexd_stopped" and the
	 * checkpoint that signs it */
	if (complete && (!keyf || last != res.lines || !stopped)) {
		fprintf(stderr, "trex audit verify: %s: line %llu: the log does not end with trexd's signed stop (lines cut from the end, or trexd still running)\n",
			file, (unsigned long long)res.lines);
		return CLI_EXIT_FAILED;
	}
	printf("%s: %llu lines, chain intact, head %s", file, (unsigned long long)res.lines,
	       res.head);
	if (keyf)
		printf(", %llu signed checkpoints, last at line %llu", (unsigned long long)nck,
		       (unsigned long long)last);
	putchar('\n');
	return CLI_EXIT_OK;
}

static int audit_show(const struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "--job") != 0 && strcmp(argv[1], "--project") != 0))
		return cli_usage_error("audit", "show needs --job ID or --project NAME");
	if (!cli_job_id_ok(argv[2]))
		return cli_usage_error("audit", "not a job id or project name");
	char target[256];
	snprintf(target, sizeof(target), "/v1/audit/%s/%s", argv[1] + 2, argv[2]);
	struct trex_err err = { 0 };
	json_t *ans = NULL;
	if (client_call_json(ctx->socket, "GET", target, NULL, &ans, &err) < 0)
		return cli_fail(&err);
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(ans, "lines"), i, l) {
		/* ASCII JSON: every control or non-ASCII byte is escaped */
		char *t = json_dumps(l, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
		if (t)
			puts(t);
		free(t);
	}
	json_decref(ans);
	return CLI_EXIT_OK;
}

int cli_audit(const struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify_verb(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return audit_show(ctx, argc - 1, argv + 1);
	return cli_usage_error("audit", "usage: trex audit verify FILE [--trexd-key PUB] [--complete] | show --job ID | --project NAME");
}
