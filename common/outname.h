/* What a job's output may be called: the one owner of the rule, so that a
 * name the manifest check accepts is one the collector collects and trex
 * fetch writes (docs/CONTRACTS.md). */
#ifndef TREX_OUTNAME_H
#define TREX_OUTNAME_H

#include <stdbool.h>
#include <stddef.h>

#define TREX_OUTNAME_MAX_PATH 1024
#define TREX_OUTNAME_MAX_DEPTH 16

/* One folder or file name the collector takes from /output: 1 to 255
 * bytes of well-formed UTF-8 (no overlong form, no surrogate), no control
 * character (C0, DEL, C1: terminal escapes), no '/', not ".", "..", nor
 * starting with '-' (an option to whatever reads the name). */
bool trex_outname_component_ok(const char *s, size_t n);

/* A declared output path: 1 to 16 components, each one
 * trex_outname_component_ok and neither hidden (a leading '.') nor holding
 * a '\\', joined by single '/', at most 1024 bytes, NUL-free. */
bool trex_outname_path_ok(const char *p, size_t n);

#endif
