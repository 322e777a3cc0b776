/* The output checkers' review page (issue 17 item 6): server-rendered
 * HTML on a listener of its own (config review_listen: plain HTTP on a
 * loopback address), signed in with a one-time link that `trex review
 * web` asks for over the authenticated API (POST /v1/review/web), whose
 * token becomes a session cookie. Each request takes the session's user
 * through the same roles (roles.c) and views (view.c) as the API, and a
 * decision goes through the API's own review code (review_decide), so the
 * page can do nothing the user could not do with trex review. Threat
 * model: SECURITY.md "The review page". */
#ifndef TREX_RUNNER_WEB_H
#define TREX_RUNNER_WEB_H

#include <stddef.h>

#include "access.h"
#include "http.h"
#include "trexd.h"

/* A sign-in link works once, for this long. */
#define WEB_TOKEN_MS (120 * 1000)
/* A session ends after this long unused, or this long after sign-in. */
#define WEB_IDLE_MS (30 * 60 * 1000)
#define WEB_MAX_MS (12 * 60 * 60 * 1000)
/* Sessions and links kept at once (the oldest goes first). */
#define WEB_SESSIONS 256
#define WEB_TOKENS 64

/* Start the review listener on `addr` (config review_listen); d->web is
 * NULL until then (POST /v1/review/web answers 409). */
int web_listen(struct trexd *d, const char *addr, char *bound, size_t bound_len,
	       struct trex_err *err);
/* Stop the listener (shutdown); sessions stay until web_free. */
void web_close(struct trexd *d);
void web_free(struct trexd *d);

/* POST /v1/review/web (checkers): {"url", "expires_in"}, a one-time
 * sign-in link for the caller. */
void web_login_link(struct trexd *d, const struct caller *c, struct http_response *resp);

/* The http_handler of the review listener (ctx: the struct trexd). */
void web_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
