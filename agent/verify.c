/* trex verify MANIFEST: check a saved release manifest offline (the
 * JOB.release.json trexd writes beside a release, or what trex fetch
 * checked): its signature, with the trexd key its key_id names among the
 * keys given (the current STATE/trexd.pub and the ones rotations retired,
 * STATE/keys/ID.pub, or that folder whole); with --files DIR, that every
 * file it lists is in DIR with its size and SHA-256. A manifest signed
 * before a rotation stays verifiable with the retired key. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/relman.h"
#include "common/cleanup.h"
#include "common/hash.h"
#include "common/keyrot.h"
#include "common/sign.h"

/* the manifest's signature by the key it names; err says which failed */
static int verify_signature(json_t *man, const struct keyring *keys, struct trex_err *err)
{
	const char *kid = json_string_value(json_object_get(man, "key_id"));
	const char *sig = json_string_value(json_object_get(man, "signature"));
	if (!kid || !sig)
		return trex_err_setx(err, -EBADMSG, "not a signed release manifest (no key_id or"
				     " signature)");
	const struct trex_key *key = keyring_find(keys, kid);
	if (!key)
		return trex_err_setx(err, -EBADMSG, "signed by trexd key %.16s, none of the keys"
				     " given (a retired key: STATE/keys/ID.pub)", kid);
	json_t *copy = json_copy(man);
	json_object_del(copy, "signature");
	char *canon = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(copy);
	int r = canon && trex_verify(key, canon, strlen(canon), sig, NULL) == 0
			? 0
			: trex_err_setx(err, -EBADMSG, "the signature does not verify with trexd key"
					" %.16s: the manifest was changed after trexd signed it", kid);
	free(canon);
	return r;
}

/* --files DIR: each listed file there, same size and hash (the names
 * are the manifest's: a name with a folder or ".." is refused) */
static int verify_files(json_t *man, const char *dir, struct trex_err *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return trex_err_set(err, -errno, "--files %s", dir);
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(man, "files"), i, f) {
		const char *name = json_string_value(json_object_get(f, "file"));
		const char *want = json_string_value(json_object_get(f, "sha256"));
		if (!name || !want || !*name || strchr(name, '/') || strcmp(name, "..") == 0 ||
		    strcmp(name, ".") == 0)
			return trex_err_setx(err, -EBADMSG, "files[%zu]: not a file name", i);
		char sha[TREX_SHA256_HEX_LEN + 1];
		struct stat st;
		_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return trex_err_set(err, -errno, "%s/%s", dir, name);
		if (!S_ISREG(st.st_mode) || trex_sha256_fd(fd, sha) < 0 ||
		    (json_int_t)st.st_size != json_integer_value(json_object_get(f, "size")) ||
		    strcmp(sha, want) != 0)
			return trex_err_setx(err, -EBADMSG, "%s/%s: not the file the manifest lists"
					     " (size or SHA-256 differ)", dir, name);
	}
	return 0;
}

int cli_verify(const struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "trexd-key", required_argument, NULL, 'k' },
		{ "files", required_argument, NULL, 'f' },
		CLI_JSON_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfs[KEYRING_MAX], *files = NULL;
	size_t nkeyf = 0;
	int json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (nkeyf == KEYRING_MAX)
				return cli_usage_error("verify", "more than %d --trexd-key", KEYRING_MAX);
			keyfs[nkeyf++] = optarg;
			break;
		case 'f': files = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		default: return cli_opt_error("verify", c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("verify", "usage: trex verify MANIFEST --trexd-key PUB|DIR..."
				       " [--files DIR]");
	if (nkeyf == 0)
		return cli_usage_error("verify", "needs --trexd-key PUB (trexd.pub, a retired"
				       " STATE/keys/ID.pub, or the folder of them)");
	const char *file = argv[optind];
	struct trex_err err = { 0 };
	struct keyring keys = { 0 };
	for (size_t i = 0; i < nkeyf; i++)
		if (keyring_load(&keys, keyfs[i], &err) < 0) {
			keyring_free(&keys);
			fprintf(stderr, "trex verify: %s\n", err.msg);
			return CLI_EXIT_USAGE;
		}
	json_error_t jerr;
	json_t *man = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (!man) {
		keyring_free(&keys);
		fprintf(stderr, "trex verify: %s: line %d, column %d: %s\n", file, jerr.line,
			jerr.column, jerr.text);
		return CLI_EXIT_USAGE;
	}
	int r = verify_signature(man, &keys, &err);
	if (r == 0 && files)
		r = verify_files(man, files, &err);
	keyring_free(&keys);
	if (r < 0) {
		fprintf(stderr, "trex verify: %s: %s\n", file, err.msg);
		json_decref(man);
		return CLI_EXIT_FAILED;
	}
	const char *job = json_string_value(json_object_get(man, "job"));
	const char *kid = json_string_value(json_object_get(man, "key_id"));
	size_t n = json_array_size(json_object_get(man, "files"));
	if (json) {
		json_t *doc = json_pack("{s:s,s:s?,s:s,s:I,s:b,s:O*}", "manifest", file, "job", job,
					"key_id", kid, "files", (json_int_t)n, "files_checked",
					files != NULL, "reproducibility",
					json_object_get(man, "reproducibility"));
		cli_print_json(doc);
		json_decref(doc);
	} else {
		printf("%s: release of job %s signed by trexd key %.16s, %zu files%s\n", file,
		       job ? job : "?", kid, n, files ? ", each in the folder with its hash" : "");
		relman_print_repro(stdout, man);
	}
	json_decref(man);
	return CLI_EXIT_OK;
}
