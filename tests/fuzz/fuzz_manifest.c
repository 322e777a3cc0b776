/* Fuzz target: the job manifest, the body of POST /v1/jobs (runner/
 * manifest.c, which reads the output declarations with trex-check's own
 * reader, policies/check/manifest.c), checked against a configuration
 * with one dataset; and the same bytes as trex-check's --manifest file.
 * Whatever the bytes: validation succeeds or gives a message and one of
 * the API's error codes; a manifest that validates is made explicit (the
 * form trexd stores and approvers sign) and validates again unchanged. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "runner/config.h"
#include "runner/manifest.h"
#include "policies/check/manifest.h"

static struct config *fuzz_config(void)
{
	static struct config c;
	static int done;
	if (!done) {
		static const char text[] =
			"{\"datasets\": {\"synth\": {\"path\": \"/tmp\", \"id_columns\": [\"pid\"]}},"
			" \"limits\": {\"max\": {\"memory_mb\": 4096}}}";
		struct trex_err err = { 0 };
		if (config_init_defaults(&c, &err) < 0 ||
		    config_parse(&c, "fuzz.json", text, sizeof(text) - 1, &err) < 0)
			abort();
		done = 1;
	}
	return &c;
}

static int fuzz_code_ok(const char *code)
{
	return code && (!strcmp(code, MANIFEST_E_BAD) || !strcmp(code, MANIFEST_E_DATASET) ||
			!strcmp(code, MANIFEST_E_RUNTIME) || !strcmp(code, MANIFEST_E_LIMIT));
}

static void fuzz_check_manifest(const uint8_t *data, size_t size)
{
	struct output_manifest m = { 0 };
	struct trex_err err = { 0 };
	if (manifest_parse((const char *)data, size, "fuzz.json", &m, &err) == 0) {
		for (size_t i = 0; i < m.n; i++)
			if (!m.outputs[i].path || m.outputs[i].ndims > MANIFEST_MAX_DIMS)
				abort();
		manifest_free(&m);
	} else if (err.msg[0] == '\0') {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_check_manifest(data, size);
	json_error_t jerr;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return 0;
	const struct config *c = fuzz_config();
	struct manifest man;
	struct trex_err err = { 0 };
	const char *code = NULL;
	int r = manifest_validate(j, c, &man, &code, &err);
	if (r < 0) {
		if (r != -EINVAL || !fuzz_code_ok(code) || err.msg[0] == '\0')
			abort();
		json_decref(j);
		return 0;
	}
	if (!man.project || !man.dataset || !man.runtime || man.n_outputs > MANIFEST_MAX_OUTPUTS ||
	    !config_dataset(c, man.dataset) || !config_runtime(c, man.runtime))
		abort();
	if (manifest_make_explicit(&man, "permit-1") == 0) {
		/* the stored form is itself a valid manifest, and stable */
		json_t *copy = json_deep_copy(man.json);
		struct manifest again;
		if (!copy || manifest_validate(copy, c, &again, &code, &err) < 0)
			abort();
		if (manifest_make_explicit(&again, "permit-1") < 0 || !json_equal(again.json, man.json))
			abort();
		manifest_release(&again);
		json_decref(copy);
	}
	manifest_release(&man);
	json_decref(j);
	return 0;
}
