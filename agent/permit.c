/* trex permit keygen|sign|verify|show: the approver's side of data permits,
 * all local (no trexd). An approver makes a key pair once, gives trexd's
 * operator the public half (config "approver_keys") and signs permits with
 * the private half; anyone can verify a permit against public keys exactly
 * as trexd does (common/permit.c). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/permit.h"
#include "common/sign.h"

#define PERMIT_MAX_KEYS 16

static int permit_read(const char *path, char **text, size_t *len, struct trex_err *err)
{
	return trex_read_file(AT_FDCWD, path, PERMIT_MAX_BYTES, text, len, err);
}

/* The verbs' own --json (the global one arrives in *json). */
static int permit_opts(const char *verb, int argc, char **argv, const char *shortopts,
		       const struct option *lopts, int *json, int (*each)(int c, void *arg),
		       void *arg)
{
	int c;
	while ((c = getopt_long(argc, argv, shortopts, lopts, NULL)) != -1) {
		if (c == CLI_OPT_JSON)
			*json = 1;
		else if (c == '?' || c == ':' || each(c, arg) < 0)
			return cli_opt_error(verb, c == '?' || c == ':' ? c : '?', argv);
	}
	return 0;
}

static int permit_no_opt(int c, void *arg)
{
	(void)c;
	(void)arg;
	return -1;
}

static const struct option permit_json_only[] = { CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };

static int permit_keygen(int argc, char **argv, int json)
{
	int r = permit_opts("permit keygen", argc, argv, ":", permit_json_only, &json,
			    permit_no_opt, NULL);
	if (r)
		return r;
	if (argc - optind != 2)
		return cli_usage_error("permit", "keygen needs PRIVATE_KEY_FILE PUBLIC_KEY_FILE");
	const char *priv = argv[optind], *pub = argv[optind + 1];
	struct trex_err err = { 0 };
	if (trex_key_generate(priv, pub, &err) < 0) {
		fprintf(stderr, "trex permit keygen: %s\n", err.msg);
		return CLI_EXIT_FAILED;
	}
	struct trex_key *k = NULL;
	char id[65] = "";
	if (trex_key_load_public(pub, &k, &err) == 0)
		trex_key_id(k, id);
	trex_key_free(k);
	if (json) {
		json_t *doc = json_pack("{s:s,s:s,s:s}", "key_id", id, "private_key", priv,
					"public_key", pub);
		cli_print_json(doc);
		json_decref(doc);
	} else {
		printf("key_id %s\n", id);
	}
	return CLI_EXIT_OK;
}

/* sign --key PRIV UNSIGNED.json [-o OUT]: the unsigned permit is the wire
 * format without key_id and signature. */
struct permit_sign_args {
	const char *keyf, *out;
};

static int permit_sign_opt(int c, void *arg)
{
	struct permit_sign_args *a = arg;
	if (c == 'k')
		a->keyf = optarg;
	else if (c == 'o')
		a->out = optarg;
	else
		return -1;
	return 0;
}

static int permit_sign_verb(int argc, char **argv, int json)
{
	static const struct option lopts[] = { { "key", required_argument, NULL, 'k' },
					       { "output", required_argument, NULL, 'o' },
					       CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };
	struct permit_sign_args a = { 0 };
	int rr = permit_opts("permit sign", argc, argv, ":o:", lopts, &json, permit_sign_opt, &a);
	if (rr)
		return rr;
	if (argc - optind > 1)
		return cli_usage_error("permit", "sign: unexpected %s", argv[optind + 1]);
	const char *keyf = a.keyf, *out = a.out && strcmp(a.out, "-") != 0 ? a.out : NULL;
	const char *in = optind < argc ? argv[optind] : NULL;
	if (json && !out)
		return cli_usage_error("permit", "sign --json needs -o OUT (the permit itself is JSON)");
	if (!keyf || !in)
		return cli_usage_error("permit", "sign needs --key PRIVATE_KEY_FILE and PERMIT_FILE");
	struct trex_err err = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (permit_read(in, &text, &len, &err) < 0) {
		fprintf(stderr, "trex permit sign: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(doc)) {
		json_decref(doc);
		fprintf(stderr, "trex permit sign: %s:%d:%d: %s\n", in, je.line, je.column, je.text);
		return CLI_EXIT_USAGE;
	}
	struct trex_key *key = NULL;
	char *signed_text = NULL;
	int r = trex_key_load_private(keyf, &key, &err);
	/* placeholders so the strict parser can check the document before
	 * it is signed: a permit trexd would refuse is never produced */
	if (r == 0) {
		json_object_set_new(doc, "key_id", json_string("-"));
		json_object_set_new(doc, "signature", json_string("-"));
		char *probe = json_dumps(doc, JSON_COMPACT);
		struct permit p = { 0 };
		r = probe ? permit_parse(probe, strlen(probe), &p, &err) : -ENOMEM;
		if (r == 0)
			permit_free(&p);
		free(probe);
	}
	if (r == 0)
		r = permit_sign(doc, key, &signed_text, &err);
	trex_key_free(key);
	json_decref(doc);
	if (r < 0) {
		fprintf(stderr, "trex permit sign: %s\n", err.msg);
		return CLI_EXIT_FAILED;
	}
	size_t slen = strlen(signed_text);
	if (out) {
		r = trex_write_file_atomic(AT_FDCWD, out, signed_text, slen, 0644, &err);
	} else {
		fwrite(signed_text, 1, slen, stdout);
		fputc('\n', stdout);
	}
	free(signed_text);
	if (r < 0) {
		fprintf(stderr, "trex permit sign: %s\n", err.msg);
		return CLI_EXIT_FAILED;
	}
	if (json) {
		json_t *ans = json_pack("{s:s}", "signed", out);
		cli_print_json(ans);
		json_decref(ans);
	}
	return CLI_EXIT_OK;
}

static void permit_list(const char *label, json_t *arr)
{
	printf("%-12s", label);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		fputs(i ? ", " : "", stdout);
		cli_put(stdout, json_string_value(v));
	}
	fputc('\n', stdout);
}

static int permit_show(int argc, char **argv, int json)
{
	int rr = permit_opts("permit show", argc, argv, ":", permit_json_only, &json,
			     permit_no_opt, NULL);
	if (rr)
		return rr;
	if (argc - optind != 1)
		return cli_usage_error("permit", "show needs PERMIT_FILE");
	struct trex_err err = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct permit p = { 0 };
	if (permit_read(argv[optind], &text, &len, &err) < 0 ||
	    permit_parse(text, len, &p, &err) < 0) {
		fprintf(stderr, "trex permit show: %s\n", err.msg);
		return CLI_EXIT_FAILED;
	}
	if (json) {
		cli_print_json(p.doc);
		permit_free(&p);
		return CLI_EXIT_OK;
	}
	static const char *const one[] = { "permit_id", "project", "policy", "valid_from",
					   "valid_until", "key_id" };
	for (size_t i = 0; i < TREX_ARRAY_LEN(one); i++) {
		printf("%-12s", one[i]);
		cli_put(stdout, json_string_value(json_object_get(p.doc, one[i])));
		fputc('\n', stdout);
	}
	printf("%-12s%s\n", "strict", p.strict ? "yes (each code bundle needs an approval)" : "no");
	permit_list("researchers", json_object_get(p.doc, "researchers"));
	permit_list("datasets", json_object_get(p.doc, "datasets"));
	permit_list("runtimes", json_object_get(p.doc, "runtimes"));
	permit_free(&p);
	return CLI_EXIT_OK;
}

/* verify --key PUB [--key PUB]... [--revoked ID]... [--project P
 * --researcher R --dataset D --runtime RT] PERMIT_FILE: trexd's check,
 * offline. Exit 0 valid, 1 refused (code and message on stderr). */
struct permit_verify_args {
	const char *keys[PERMIT_MAX_KEYS], *revoked[64];
	size_t nkeys, nrev;
	struct permit_request req;
};

static int permit_verify_opt(int c, void *arg)
{
	struct permit_verify_args *a = arg;
	switch (c) {
	case 'k':
		if (a->nkeys == PERMIT_MAX_KEYS)
			return -1;
		a->keys[a->nkeys++] = optarg;
		return 0;
	case 'r':
		if (a->nrev == 64)
			return -1;
		a->revoked[a->nrev++] = optarg;
		return 0;
	case 'p': a->req.project = optarg; return 0;
	case 'R': a->req.researcher = optarg; return 0;
	case 'd': a->req.dataset = optarg; return 0;
	case 't': a->req.runtime = optarg; return 0;
	default: return -1;
	}
}

static int permit_verify(int argc, char **argv, int json)
{
	static const struct option lopts[] = {
		{ "key", required_argument, NULL, 'k' },	{ "revoked", required_argument, NULL, 'r' },
		{ "project", required_argument, NULL, 'p' },	{ "researcher", required_argument, NULL, 'R' },
		{ "dataset", required_argument, NULL, 'd' },	{ "runtime", required_argument, NULL, 't' },
		CLI_JSON_OPTION,				{ NULL, 0, NULL, 0 },
	};
	struct permit_verify_args a = { .req = { .now = time(NULL) } };
	int rr = permit_opts("permit verify", argc, argv, ":", lopts, &json, permit_verify_opt, &a);
	if (rr)
		return rr;
	if (argc - optind > 1)
		return cli_usage_error("permit", "verify: unexpected %s", argv[optind + 1]);
	const char *file = optind < argc ? argv[optind] : NULL;
	const char **keys = a.keys, **revoked = a.revoked;
	size_t nkeys = a.nkeys, nrev = a.nrev;
	struct permit_request req = a.req;
	if (!file || nkeys == 0)
		return cli_usage_error("permit", "verify needs --key PUBLIC_KEY_FILE and PERMIT_FILE");
	struct trex_err err = { 0 };
	struct trex_key *loaded[PERMIT_MAX_KEYS] = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct permit p = { 0 };
	int rc = CLI_EXIT_FAILED;
	for (size_t i = 0; i < nkeys; i++)
		if (trex_key_load_public(keys[i], &loaded[i], &err) < 0) {
			fprintf(stderr, "trex permit verify: %s\n", err.msg);
			goto out;
		}
	if (permit_read(file, &text, &len, &err) < 0 || permit_parse(text, len, &p, &err) < 0) {
		memset(&p, 0, sizeof(p)); /* a failed parse leaves nothing to free */
		fprintf(stderr, "trex permit verify: %s: %s\n",
			permit_refusal_code(PERMIT_MALFORMED), err.msg);
		goto out;
	}
	/* coverage is only checked for what was asked */
	if (!req.project)
		req.project = p.project;
	struct permit_trust trust = { loaded, nkeys, revoked, nrev, NULL, NULL };
	struct permit_request full = req;
	json_t *first;
	if (!full.researcher && (first = json_array_get(json_object_get(p.doc, "researchers"), 0)))
		full.researcher = json_string_value(first);
	if (!full.dataset && (first = json_array_get(json_object_get(p.doc, "datasets"), 0)))
		full.dataset = json_string_value(first);
	if (!full.runtime && (first = json_array_get(json_object_get(p.doc, "runtimes"), 0)))
		full.runtime = json_string_value(first);
	enum permit_refusal why = permit_check(&p, &trust, &full, &err);
	if (why != PERMIT_OK) {
		fprintf(stderr, "trex permit verify: %s: %s\n", permit_refusal_code(why), err.msg);
		goto out;
	}
	if (json) {
		json_t *doc = json_pack("{s:s,s:b}", "permit_id", p.permit_id, "valid", 1);
		cli_print_json(doc);
		json_decref(doc);
	} else {
		printf("permit ");
		cli_put(stdout, p.permit_id);
		printf(": valid\n");
	}
	rc = CLI_EXIT_OK;
out:
	permit_free(&p);
	for (size_t i = 0; i < nkeys; i++)
		trex_key_free(loaded[i]);
	return rc;
}

int cli_permit(const struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("permit", "missing keygen, sign, verify or show");
	if (strcmp(argv[1], "keygen") == 0)
		return permit_keygen(argc - 1, argv + 1, ctx->json);
	if (strcmp(argv[1], "sign") == 0)
		return permit_sign_verb(argc - 1, argv + 1, ctx->json);
	if (strcmp(argv[1], "verify") == 0)
		return permit_verify(argc - 1, argv + 1, ctx->json);
	if (strcmp(argv[1], "show") == 0)
		return permit_show(argc - 1, argv + 1, ctx->json);
	return cli_usage_error("permit", "unknown action %s (keygen, sign, verify, show)", argv[1]);
}
