/* Render untrusted bytes (file names, job logs) safely for a terminal or a
 * key=value log line: printable ASCII stays, everything else becomes \xNN
 * (backslash, quote and '=' are escaped too). */
#ifndef TREX_ESC_H
#define TREX_ESC_H

#include <stddef.h>

/* Writes at most outsz-1 chars and a NUL; returns the length written. A
 * truncated result ends in "...". */
size_t trex_esc(const char *in, size_t inlen, char *out, size_t outsz);

/* The same for text a person reads (trex's messages): only control
 * characters become \xNN -- ASCII and C1 controls, and the characters
 * that reorder or hide text (bidi overrides and isolates, zero-width and
 * invisible format characters, line separators, tags) -- and bytes that
 * are not well-formed UTF-8; printable UTF-8 stays, so a message reads
 * `unknown key "colour"`, not `unknown key \x22colour\x22`. Not for
 * key=value log lines, where '"' and '=' must stay escaped. */
size_t trex_esc_text(const char *in, size_t inlen, char *out, size_t outsz);

#endif
