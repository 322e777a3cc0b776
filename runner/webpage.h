/* The HTML of the checkers' review page (web.c serves it): the queue and
 * a held table, server-rendered from what the API routes answer. Every
 * byte that did not come from this file goes through webpage_esc, the one
 * HTML-escaping function; nothing here decides who may see what (web.c
 * and view.c do). Pure functions of their inputs, so they can be tested
 * without a server. */
#ifndef TREX_RUNNER_WEBPAGE_H
#define TREX_RUNNER_WEBPAGE_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

/* Held tables are rendered up to this many data rows and columns (the
 * rest is counted and `trex held` saves the whole file). */
#define WEBPAGE_MAX_ROWS 2000
#define WEBPAGE_MAX_COLS 200

/* Append s[0..len) as HTML text or attribute value: & < > " ' as
 * entities; control characters, bytes that are not well-formed UTF-8 and
 * the characters that reorder or hide text (bidi controls, zero-width
 * and invisible format characters) as visible \xNN or \u{NNNN}, so a
 * cell cannot disguise itself; newline and tab stay. */
int webpage_esc(struct trex_buf *b, const char *s, size_t len);

/* The page's start (title, the signed-in user, a sign-out form with the
 * CSRF token) and end. */
int webpage_head(struct trex_buf *b, const char *title, const char *user, const char *csrf);
int webpage_foot(struct trex_buf *b);

/* A page that only says something (errors, a decision recorded). */
int webpage_message(struct trex_buf *b, const char *title, const char *user,
		    const char *csrf, const char *text, const char *link, const char *link_text);

/* GET /review: `queue` is GET /v1/review's answer for the user, already
 * cut by view.c; an item with "no_page": true is listed without a link
 * (web.c: view.c gives the user no page of it). Votes are blinded: only
 * the user's own vote and how many checkers are needed are shown. */
int webpage_queue(struct trex_buf *b, const json_t *queue, const char *user, const char *csrf);

/* What the page of one held output is made of. */
struct webpage_output {
	const json_t *job;   /* GET /v1/jobs/{id}'s document at the user's level */
	const char *name;    /* the output */
	const char *csv;     /* its held bytes, or NULL (not held, or not a table) */
	size_t csv_len;
	const json_t *code;  /* [{"name", "size", "text" | "omitted"}] from the bundle */
	const char *me;      /* the user: their own votes are shown, others' not */
	const char *csrf;
};
int webpage_output(struct trex_buf *b, const struct webpage_output *in);

/* The page of one held log (GET /review/logs/{id}/{stdout|stderr}):
 * `text` its bytes when held (NULL otherwise), `state` its review state. */
int webpage_log(struct trex_buf *b, const json_t *job, const char *log, const char *state,
		const char *text, size_t len, const char *me, const char *csrf);

/* The heatmap bucket of a count: 0 for 0, then one per power of ten
 * (1-9: 1, 10-99: 2, ... 100000 and above: 6); -1 for a value that is not
 * a non-negative number. */
int webpage_heat(const char *v);

/* The stylesheet (GET /review/static/review.css). */
extern const char webpage_css[];

#endif
