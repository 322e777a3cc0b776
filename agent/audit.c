/* trex audit verify FILE: check an audit log offline; any edited, removed,
 * inserted or reordered line is named. With --trexd-key the signed
 * checkpoints are checked too, and --complete requires the log to end
 * with one (a log copied after trexd stopped). Lines cut from the end of
 * a log leave a valid chain, which may even end signed: --head SEQ:HASH
 * (a head kept away from the log, from trex audit head or trexd's start
 * and stop lines) and --checkpoint FILE (a signed checkpoint kept away
 * from it) name a line the log must still hold, unchanged. trex audit
 * head and show --job ID | --project P ask trexd (auditor role). */
#include "cli.h"

#include <errno.h>
#include <string.h>

#include "agent/client.h"
#include "common/alloc.h"
#include "common/audit.h"
#include "common/cleanup.h"
#include "common/hash.h"
#include "common/keyrot.h"
#include "common/sign.h"

/* What a verification checks beyond the chain, line by line. */
struct audit_walk {
	struct keyring *keys;       /* --trexd-key: every checkpoint's signature */
	uint64_t last_signed, ncheck;
	int stopped, prev_stop;
	char prev[65];              /* hash of the line before */
	uint64_t want[2];           /* --head, --checkpoint: a line that must be there */
	char want_hash[2][65];      /* ... with this hash */
	const char *want_what[2];
	struct trex_err *err;
};

static int audit_walk_line(void *arg, uint64_t seq, const char *text, size_t len,
			   const char *hash, json_t *line)
{
	struct audit_walk *w = arg;
	(void)text;
	(void)len;
	const char *ev = json_string_value(json_object_get(line, "event"));
	int checked = 0;
	/* each checkpoint with the key it names; a rotation the held key
	 * signed brings the next (common/keyrot.h) */
	if (w->keys && keyring_audit_line(w->keys, seq, w->prev, line, &checked, w->err) < 0)
		return w->err->code;
	if (checked) {
		w->last_signed = seq;
		w->ncheck++;
		w->stopped = w->prev_stop;
		w->prev_stop = 0;
	} else {
		w->prev_stop = ev && strcmp(ev, "trexd_stopped") == 0;
	}
	for (int i = 0; i < 2; i++)
		if (w->want_what[i] && seq == w->want[i] && strcmp(hash, w->want_hash[i]) != 0)
			return trex_err_setx(w->err, -EBADMSG,
					     "line %llu: hash %s, not the %s's %s: the log differs from it",
					     (unsigned long long)seq, hash, w->want_what[i],
					     w->want_hash[i]);
	memcpy(w->prev, hash, sizeof(w->prev));
	return 0;
}

/* --checkpoint FILE: a checkpoint line kept elsewhere (trex audit head
 * --checkpoint), signed by trexd: the log must hold the line it signs. */
static int audit_load_checkpoint(const char *file, const struct keyring *keys, uint64_t *seq,
				 char hash[65], struct trex_err *err)
{
	const struct trex_key *key;
	json_error_t jerr;
	json_t *cp = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	char text[256];
	const char *h = json_string_value(json_object_get(cp, "signed_hash"));
	const char *sig = json_string_value(json_object_get(cp, "signature"));
	int r = 0;
	if (!cp)
		r = trex_err_setx(err, -EINVAL, "%s: line %d: %s", file, jerr.line, jerr.text);
	else if (!h || !sig || strlen(h) != 64 || audit_checkpoint_text(cp, text, sizeof(text)) < 0)
		r = trex_err_setx(err, -EINVAL, "%s: not a checkpoint line of a trexd audit log", file);
	else if (!(key = json_object_get(cp, "key_id")
				 ? keyring_find(keys, json_string_value(json_object_get(cp, "key_id")))
				 : keys->n == 1 ? keys->key[0] : NULL))
		r = trex_err_setx(err, -EBADMSG, "%s: signed by trexd key %.16s, none of the keys given",
				  file, json_string_value(json_object_get(cp, "key_id")));
	else if (trex_verify(key, text, strlen(text), sig, NULL) < 0)
		r = trex_err_setx(err, -EBADMSG, "%s: the checkpoint's signature does not verify with this trexd key",
				  file);
	if (r == 0) {
		*seq = (uint64_t)json_integer_value(json_object_get(cp, "signed_seq"));
		/* cppcheck-suppress nullPointerRedundantCheck ; r == 0 only when the chain above found h non-NULL */
		memcpy(hash, h, 65);
	}
	json_decref(cp);
	return r;
}

static int audit_verify_verb(int argc, char **argv, int json)
{
	static const struct option lopts[] = {
		{ "trexd-key", required_argument, NULL, 'k' }, { "complete", no_argument, NULL, 'c' },
		{ "head", required_argument, NULL, 'H' },	{ "checkpoint", required_argument, NULL, 'p' },
		CLI_JSON_OPTION,				{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *keyf = NULL, *head = NULL, *cpf = NULL;
	const char *keyfs[KEYRING_MAX];
	size_t nkeyf = 0;
	int complete = 0, c;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (nkeyf == KEYRING_MAX)
				return cli_usage_error("audit", "verify: more than %d --trexd-key",
						       KEYRING_MAX);
			keyf = keyfs[nkeyf++] = optarg;
			break;
		case 'c': complete = 1; break;
		case 'H': head = optarg; break;
		case 'p': cpf = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		default: return cli_opt_error("audit verify", c, argv);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("audit", "verify: unexpected %s", argv[optind + 1]);
	if (optind < argc)
		file = argv[optind];
	if (!file)
		return cli_usage_error("audit", "verify needs FILE");
	if (cpf && !keyf)
		return cli_usage_error("audit", "verify: --checkpoint needs --trexd-key");
	struct trex_err err = { 0 };
	struct audit_walk w = { .err = &err };
	memcpy(w.prev, AUDIT_GENESIS, sizeof(w.prev));
	if (head && audit_parse_head(head, &w.want[0], w.want_hash[0]) < 0)
		return cli_usage_error("audit", "verify: --head: not SEQ:HASH (a number, ':', 64 hex digits)");
	if (head)
		w.want_what[0] = "expected head";
	struct keyring keys = { 0 };
	for (size_t i = 0; i < nkeyf; i++)
		if (keyring_load(&keys, keyfs[i], &err) < 0) {
			keyring_free(&keys);
			fprintf(stderr, "trex audit verify: %s\n", err.msg);
			return CLI_EXIT_USAGE;
		}
	w.keys = keyf ? &keys : NULL;
	int lr = cpf ? audit_load_checkpoint(cpf, &keys, &w.want[1], w.want_hash[1], &err) : 0;
	if (lr < 0) {
		keyring_free(&keys);
		fprintf(stderr, "trex audit verify: %s\n", err.msg);
		/* a checkpoint trexd did not sign fails the check; an unreadable
		 * file is bad input */
		return lr == -EBADMSG ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
	}
	if (cpf)
		w.want_what[1] = "published checkpoint";
	struct audit_verify_result res;
	int r = audit_verify_scan(file, audit_walk_line, &w, &res, &err);
	keyring_free(&keys);
	if (r < 0) {
		fprintf(stderr, "trex audit verify: %s: %s\n", file, err.msg);
		return CLI_EXIT_FAILED;
	}
	/* a head or checkpoint kept elsewhere: lines cut from the end */
	for (int i = 0; i < 2; i++)
		if (w.want_what[i] && w.want[i] > res.lines) {
			fprintf(stderr, "trex audit verify: %s: the log ends at line %llu, before the %s %llu:%s: lines were cut from the end\n",
				file, (unsigned long long)res.lines, w.want_what[i],
				(unsigned long long)w.want[i], w.want_hash[i]);
			return CLI_EXIT_FAILED;
		}
	/* a stopped trexd's last lines are "trexd_stopped" and the
	 * checkpoint that signs it */
	if (complete && (!keyf || w.last_signed != res.lines || !w.stopped)) {
		fprintf(stderr, "trex audit verify: %s: line %llu: the log does not end with trexd's signed stop (lines cut from the end, or trexd still running)\n",
			file, (unsigned long long)res.lines);
		return CLI_EXIT_FAILED;
	}
	if (json) {
		char hd[96];
		snprintf(hd, sizeof(hd), "%llu:%s", (unsigned long long)res.lines, res.head);
		json_t *doc = json_pack("{s:s,s:I,s:s,s:b}", "file", file, "lines",
					(json_int_t)res.lines, "head", hd, "chain_intact", 1);
		if (doc && keyf) {
			json_object_set_new(doc, "signed_checkpoints", json_integer((json_int_t)w.ncheck));
			json_object_set_new(doc, "last_signed_line", json_integer((json_int_t)w.last_signed));
		}
		cli_print_json(doc);
		json_decref(doc);
		return CLI_EXIT_OK;
	}
	printf("%s: %llu lines, chain intact, head %llu:%s", file, (unsigned long long)res.lines,
	       (unsigned long long)res.lines, res.head);
	if (keyf)
		printf(", %llu signed checkpoints, last at line %llu", (unsigned long long)w.ncheck,
		       (unsigned long long)w.last_signed);
	if (head)
		printf(", holds head %llu", (unsigned long long)w.want[0]);
	if (cpf)
		printf(", holds the checkpoint's line %llu", (unsigned long long)w.want[1]);
	putchar('\n');
	return CLI_EXIT_OK;
}

/* trex audit head [--checkpoint OUT]: the head of trexd's log now (the
 * auditor's read is its last line), "SEQ:HASH" on stdout, for an auditor
 * to keep away from the state folder; with --checkpoint, the last signed
 * checkpoint line is written to OUT too (for --checkpoint of verify). */
static int audit_head(const struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = { { "checkpoint", required_argument, NULL, 'p' },
					       CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };
	const char *out = NULL;
	int json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		if (c == 'p')
			out = optarg;
		else if (c == CLI_OPT_JSON)
			json = 1;
		else
			return cli_opt_error("audit head", c, argv);
	}
	if (optind < argc)
		return cli_usage_error("audit", "usage: trex audit head [--checkpoint OUT]");
	struct trex_err err = { 0 };
	json_t *ans = NULL;
	if (client_call_json(ctx->socket, "GET", "/v1/audit/head", NULL, &ans, &err) < 0)
		return cli_fail(&err);
	uint64_t seq;
	char hash[65];
	const char *head = json_string_value(json_object_get(ans, "head"));
	json_t *cp = json_object_get(ans, "checkpoint");
	int r = CLI_EXIT_OK;
	if (!head || audit_parse_head(head, &seq, hash) < 0) {
		fprintf(stderr, "trex audit head: trexd's answer has no head\n");
		r = CLI_EXIT_FAILED;
	} else if (out && !json_is_object(cp)) {
		fprintf(stderr, "trex audit head: the log has no signed checkpoint yet\n");
		r = CLI_EXIT_FAILED;
	} else if (out && json_dump_file(cp, out, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) < 0) {
		fprintf(stderr, "trex audit head: cannot write %s\n", out);
		r = CLI_EXIT_FAILED;
	} else if (json) {
		cli_print_json(ans);
	} else {
		printf("%s\n", head);
	}
	json_decref(ans);
	return r;
}

static int audit_show(const struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = { { "job", required_argument, NULL, 'j' },
					       { "project", required_argument, NULL, 'p' },
					       CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };
	const char *kind = NULL, *what = NULL;
	int json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		if (c == CLI_OPT_JSON) {
			json = 1;
		} else if ((c == 'j' || c == 'p') && !kind) {
			kind = c == 'j' ? "job" : "project";
			what = optarg;
		} else {
			return c == 'j' || c == 'p'
				       ? cli_usage_error("audit", "show needs --job ID or --project NAME")
				       : cli_opt_error("audit show", c, argv);
		}
	}
	if (!kind || optind < argc)
		return cli_usage_error("audit", "show needs --job ID or --project NAME");
	if (!cli_job_id_ok(what))
		return cli_usage_error("audit", "not a job id or project name");
	char target[256];
	snprintf(target, sizeof(target), "/v1/audit/%s/%s", kind, what);
	struct trex_err err = { 0 };
	json_t *ans = NULL;
	if (client_call_json(ctx->socket, "GET", target, NULL, &ans, &err) < 0)
		return cli_fail(&err);
	if (json) {
		cli_print_json(ans);
		json_decref(ans);
		return CLI_EXIT_OK;
	}
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
		return audit_verify_verb(argc - 1, argv + 1, ctx->json);
	if (argc >= 2 && strcmp(argv[1], "head") == 0)
		return audit_head(ctx, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return audit_show(ctx, argc - 1, argv + 1);
	return cli_usage_error("audit", "usage: trex audit verify FILE [--trexd-key PUB] [--complete] [--head SEQ:HASH] [--checkpoint FILE] | head [--checkpoint OUT] | show --job ID | --project NAME");
}
