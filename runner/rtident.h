/* A runtime's identity, for the reproducibility record of the signed
 * release manifest (relman.c, docs/CONTRACTS.md section 4): its
 * interpreters' versions and a digest of its installed package set, as
 * a job of that runtime sees them (the runtime binds of trex-sandbox).
 *
 * The identity is found by running a probe (rtident_command) in
 * trex-sandbox exactly as a job of that runtime would run, with no data:
 * by trexd's monitor (monitor.c MON_RUNTIME_ID, asked by monc_runtime_id: the
 * service runs no program) once per runtime after each start or reload, and by
 * `trex run --local --like` on the researcher's machine, to compare. */
#ifndef TREX_RUNNER_RTIDENT_H
#define TREX_RUNNER_RTIDENT_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "err.h"

/* The most a probe may print that is read (the monitor's pipe size). */
#define RTIDENT_OUT_MAX (1u << 20)

/* The probe's command line inside the sandbox, by the built-in the
 * runtime is like (docs/config.md "runtimes"): python3 lists its distributions, R its
 * installed packages, a shell the name of the program /bin/sh is and the
 * programs of /usr/bin and /usr/local/bin.
 * Lines "interpreter NAME VERSION" and "package NAME VERSION". */
const char *const *rtident_command(const struct runtime *rt);

/* The identity from the probe's stdout (ok: the probe exited 0), a new
 * reference:
 *   {"name": RUNTIME, "like": "python3"|"r"|"shell"|null,
 *    "interpreters": {"python3": "3.11.2"}, "packages": N,
 *    "packages_sha256": HEX}
 * the digest over the sorted, de-duplicated "NAME VERSION" lines. A probe
 * that failed or printed no interpreter: {"name", "like",
 * "probe": "failed"}. Interpreter names and versions are kept only when
 * made of [A-Za-z0-9._+~:-] (at most 64 bytes: no path); anything else a probe
 * printed is left out. NULL: out of memory. */
json_t *rtident_parse(const struct runtime *rt, const char *out, size_t len, int ok);

#endif
