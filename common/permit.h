/* Data permits (EHDS): a health data access body's approver signs, with
 * Ed25519, which researchers may run which runtimes on which datasets for a
 * project, under which disclosure policy, for how long. trexd checks a permit
 * before accepting a job; `trex permit` signs, verifies and shows them.
 *
 * Wire format (JSON, strict: unknown or duplicate keys are errors):
 *   {"permit_id": "...", "project": "...", "researchers": ["alice"],
 *    "datasets": ["snds-synth"], "runtimes": ["python3"], "policy": "default",
 *    "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z",
 *    "strict": false, "key_id": "<sha256 of the approver public key>",
 *    "signature": "<base64 Ed25519 over the canonical form>"}
 * The canonical form is the object without "signature", keys sorted, compact. */
#ifndef TREX_PERMIT_H
#define TREX_PERMIT_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "sign.h"

#define PERMIT_MAX_BYTES (64 * 1024)

struct permit {
	json_t *doc;            /* the whole parsed permit */
	const char *permit_id;  /* borrowed from doc */
	const char *project;
	const char *policy;
	const char *key_id;
	const char *signature;
	time_t valid_from;
	time_t valid_until;
	int strict;
};

/* A refusal names its reason with a stable code, for API errors and audit. */
enum permit_refusal {
	PERMIT_OK = 0,
	PERMIT_MALFORMED,
	PERMIT_UNTRUSTED_KEY,
	PERMIT_FORGED,
	PERMIT_NOT_YET_VALID,
	PERMIT_EXPIRED,
	PERMIT_REVOKED,
	PERMIT_WRONG_PROJECT,
	PERMIT_RESEARCHER,
	PERMIT_DATASET,
	PERMIT_RUNTIME,
	PERMIT_KEY_NOT_YET_VALID, /* the approver key's not_before is still ahead */
	PERMIT_KEY_EXPIRED,       /* the approver key's not_after has passed */
};

const char *permit_refusal_code(enum permit_refusal r);

struct permit_trust {
	struct trex_key **keys;     /* trusted approver public keys */
	size_t nkeys;
	const char *const *revoked; /* revoked permit ids */
	size_t nrevoked;
	/* When each key is trusted (an overlap period when rotating): from
	 * not_before[i] included to not_after[i] excluded, as a permit's
	 * valid_from/valid_until; 0 = no bound; NULL arrays = none. */
	const time_t *not_before;
	const time_t *not_after;
};

struct permit_request {
	const char *project;
	const char *researcher;
	const char *dataset;
	const char *runtime;
	time_t now;
};

int permit_parse(const char *text, size_t len, struct permit *p, struct trex_err *err);
void permit_free(struct permit *p);

/* Canonical bytes that are signed (caller frees with free()). */
int permit_canonical(json_t *doc, char **out, struct trex_err *err);

/* Sign an unsigned permit document (no "signature"/"key_id" keys yet, or
 * they are replaced); returns the signed permit as pretty JSON text. */
int permit_sign(json_t *doc, const struct trex_key *key, char **signed_text,
		struct trex_err *err);

/* Check signature, the signing key's trust window, revocation, validity
 * window and coverage of the request. Returns PERMIT_OK or the first
 * refusal, with err saying it in a sentence (a key's, naming its key_id
 * and the bound passed). */
enum permit_refusal permit_check(const struct permit *p, const struct permit_trust *trust,
				 const struct permit_request *req, struct trex_err *err);

/* Parse "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
int permit_parse_time(const char *s, time_t *out);
/* The reverse, into out (at least 21 bytes). */
void permit_format_time(time_t t, char *out, size_t outsz);

#endif
