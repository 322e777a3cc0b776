/* Render untrusted bytes (file names, job logs) safely for a terminal or a
 * key=value log line: printable ASCII stays, everything else becomes \xNN
 * (backslash, quote and '=' are escaped too). */
#ifndef TREX_ESC_H
#define TREX_ESC_H

#include <stddef.h>
#include <stdint.h>

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

/* The one reading of UTF-8 and of "hidden" characters that trex_esc_text
 * and the review page's HTML escaping (runner/webpage.c) share. */
/* The length of the well-formed UTF-8 sequence at s (at most n bytes: no
 * overlong form, no surrogate, at most U+10FFFF) and its code point, or
 * 0. */
size_t trex_utf8_char(const unsigned char *s, size_t n, uint32_t *cp);
/* 1 for a character that moves or hides text instead of showing: C0 and
 * C1 controls (some terminals read U+009B as CSI), bidi embeddings,
 * overrides and isolates, zero-width, invisible and filler characters,
 * variation selectors, line and paragraph separators, tags. */
int trex_char_hidden(uint32_t cp);

#endif
