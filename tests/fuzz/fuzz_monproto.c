/* Fuzz target: the privileged monitor's message parser (runner/
 * monproto.c), the first code of the root process that touches what the
 * service process sends. Whatever the bytes: a parse that succeeds gives
 * strings that are NUL-terminated inside the message's arena and no
 * longer than their field allows, and encoding the parsed message again
 * gives back exactly the datagram (nothing was skipped, nothing
 * invented); a parse that fails says -EBADMSG. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "runner/monproto.h"

static void fuzz_in_arena(const struct mon_msg *m, const char *s, size_t max)
{
	if (!s)
		abort();
	if (s < m->arena || s >= m->arena + m->arena_used)
		abort();
	size_t room = (size_t)(m->arena + m->arena_used - s);
	if (!memchr(s, '\0', room) || strlen(s) > max)
		abort();
}

static void fuzz_str(struct mon_writer *w, const char *s)
{
	mon_put_str(w, s, strlen(s));
}

/* The datagram m came from, as the writer makes it. */
static int fuzz_encode(const struct mon_msg *m, unsigned char *buf)
{
	struct mon_writer w;
	mon_begin(&w, buf, m->type);
	switch (m->type) {
	case MON_SPAWN_RUN:
		fuzz_str(&w, m->job);
		fuzz_str(&w, m->dataset);
		fuzz_str(&w, m->runtime);
		for (int i = 0; i < MON_NLIMITS; i++)
			mon_put_u64(&w, m->limits[i]);
		mon_put_list(&w, m->list, m->n_list);
		break;
	case MON_SPAWN_CHECK:
		fuzz_str(&w, m->job);
		mon_put_u64(&w, m->num);
		fuzz_str(&w, m->ids_key);
		mon_put_u64(&w, m->num2);
		mon_put_list(&w, m->list, m->n_list);
		break;
	case MON_KILL:
		mon_put_u64(&w, m->num);
		mon_put_u64(&w, m->num2);
		break;
	case MON_ID_INDEX:
		fuzz_str(&w, m->dataset);
		break;
	case MON_ADOPT:
		fuzz_str(&w, m->job);
		break;
	case MON_RUNTIME_ID:
		fuzz_str(&w, m->runtime);
		break;
	case MON_SIGN_RELEASE:
	case MON_SIGN_CHECKPOINT:
	case MON_REFUSED:
		mon_put_str(&w, m->text, m->text_len);
		break;
	case MON_OK:
		mon_put_u64(&w, m->num);
		mon_put_str(&w, m->text, m->text_len);
		mon_put_str(&w, m->text2, m->text2_len);
		break;
	case MON_EXITED:
		mon_put_u64(&w, m->num);
		mon_put_u64(&w, m->num3);
		mon_put_u64(&w, m->num2);
		break;
	default:
		break;
	}
	return mon_end(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mon_msg *m = trex_malloc(sizeof(*m));
	unsigned char *again = trex_malloc(MON_MSG_MAX);
	if (!m || !again) {
		trex_free(m);
		trex_free(again);
		return 0;
	}
	struct trex_err err = { 0 };
	int r = mon_parse(data, size, m, &err);
	if (r < 0) {
		if (r != -EBADMSG || err.msg[0] == '\0')
			abort();
	} else {
		if (m->type == 0 || m->type >= MON_NTYPES)
			abort();
		if (strlen(m->job) > MON_JOB_ID_MAX || strlen(m->dataset) > MON_NAME_MAX ||
		    strlen(m->runtime) > MON_NAME_MAX || strlen(m->ids_key) > MON_NAME_MAX)
			abort();
		if (m->n_list > MON_LIST_MAX || m->list[m->n_list] != NULL)
			abort();
		for (size_t i = 0; i < m->n_list; i++)
			fuzz_in_arena(m, m->list[i], MON_ARG_MAX);
		if (m->text) {
			fuzz_in_arena(m, m->text, MON_TEXT_MAX);
			if (strlen(m->text) != m->text_len)
				abort();
		}
		if (m->text2)
			fuzz_in_arena(m, m->text2, MON_TEXT_MAX);
		int n = fuzz_encode(m, again);
		if (n < 0 || (size_t)n != size || memcmp(again, data, size) != 0)
			abort();
	}
	trex_free(m);
	trex_free(again);
	return 0;
}
