/* The monitor's wire format (monproto.h): the parser the privileged side
 * runs on every datagram, the writer both sides use, and the socket I/O
 * that carries the spawn pipes. */
#include "monproto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct mon_reader {
	const unsigned char *p;
	size_t left;
	struct mon_msg *m;
	struct trex_err *err;
};

static uint32_t mon_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void mon_store32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The next field's bytes; its length must be at most max. */
static int mon_field(struct mon_reader *r, const char *name, size_t max,
		     const unsigned char **data, size_t *len)
{
	if (r->left < 4)
		return trex_err_setx(r->err, -EBADMSG, "field %s: missing", name);
	uint32_t n = mon_le32(r->p);
	r->p += 4;
	r->left -= 4;
	if (n > max || n > r->left)
		return trex_err_setx(r->err, -EBADMSG, "field %s: length %u over %s", name, n,
				     n > max ? "its maximum" : "the message");
	*data = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

static int mon_get_u64(struct mon_reader *r, const char *name, uint64_t *v)
{
	const unsigned char *d;
	size_t n;
	int rc = mon_field(r, name, 8, &d, &n);
	if (rc < 0)
		return rc;
	if (n != 8)
		return trex_err_setx(r->err, -EBADMSG, "field %s: not an 8-byte number", name);
	*v = 0;
	for (int i = 7; i >= 0; i--)
		*v = *v << 8 | d[i];
	return 0;
}

/* A string copied NUL-terminated into the arena (min: shortest length). */
static int mon_get_str(struct mon_reader *r, const char *name, size_t min, size_t max,
		       const char **out, size_t *out_len)
{
	const unsigned char *d;
	size_t n;
	int rc = mon_field(r, name, max, &d, &n);
	if (rc < 0)
		return rc;
	if (n < min)
		return trex_err_setx(r->err, -EBADMSG, "field %s: too short", name);
	if (memchr(d, '\0', n))
		return trex_err_setx(r->err, -EBADMSG, "field %s: holds a NUL byte", name);
	struct mon_msg *m = r->m;
	/* the arena is as large as a datagram: every string fits, with its NUL */
	if (m->arena_used + n + 1 > sizeof(m->arena))
		return trex_err_setx(r->err, -EBADMSG, "field %s: message too large", name);
	char *s = m->arena + m->arena_used;
	memcpy(s, d, n);
	s[n] = '\0';
	m->arena_used += n + 1;
	*out = s;
	if (out_len)
		*out_len = n;
	return 0;
}

/* A string into a fixed buffer of max + 1 bytes. */
static int mon_get_fixed(struct mon_reader *r, const char *name, size_t min, char *buf,
			 size_t max)
{
	const char *s;
	size_t n;
	int rc = mon_get_str(r, name, min, max, &s, &n);
	if (rc == 0)
		memcpy(buf, s, n + 1);
	return rc;
}

static int mon_get_list(struct mon_reader *r, const char *name, size_t min_items,
			size_t item_max)
{
	uint64_t n;
	int rc = mon_get_u64(r, name, &n);
	if (rc < 0)
		return rc;
	if (n < min_items || n > MON_LIST_MAX)
		return trex_err_setx(r->err, -EBADMSG, "field %s: %llu items, not %zu to %d", name,
				     (unsigned long long)n, min_items, MON_LIST_MAX);
	struct mon_msg *m = r->m;
	for (size_t i = 0; i < n; i++)
		if ((rc = mon_get_str(r, name, 0, item_max, &m->list[i], NULL)) < 0)
			return rc;
	m->n_list = (size_t)n;
	m->list[n] = NULL;
	return 0;
}

static int mon_parse_body(struct mon_reader *r, uint32_t type)
{
	struct mon_msg *m = r->m;
	static const char *const lim[MON_NLIMITS] = { "memory_mb", "cpu_seconds",
						      "wall_seconds", "pids", "output_mb" };
	int rc = 0;
	switch (type) {
	case MON_HELLO:
	case MON_TLS_FILES:
	case MON_RELOAD_STATUS:
	case MON_LISTEN:
		break;
	case MON_SPAWN_RUN:
		if ((rc = mon_get_fixed(r, "job", 1, m->job, MON_JOB_ID_MAX)) < 0 ||
		    (rc = mon_get_fixed(r, "dataset", 1, m->dataset, MON_NAME_MAX)) < 0 ||
		    (rc = mon_get_fixed(r, "runtime", 1, m->runtime, MON_NAME_MAX)) < 0)
			return rc;
		for (int i = 0; i < MON_NLIMITS; i++)
			if ((rc = mon_get_u64(r, lim[i], &m->limits[i])) < 0)
				return rc;
		return mon_get_list(r, "command", 1, MON_ARG_MAX);
	case MON_SPAWN_CHECK:
		if ((rc = mon_get_fixed(r, "job", 1, m->job, MON_JOB_ID_MAX)) < 0 ||
		    (rc = mon_get_u64(r, "output_mb", &m->num)) < 0 ||
		    (rc = mon_get_fixed(r, "id_index", 0, m->ids_key, MON_NAME_MAX)) < 0 ||
		    (rc = mon_get_u64(r, "previous", &m->num2)) < 0)
			return rc;
		return mon_get_list(r, "files", 1, 1024);
	case MON_ID_INDEX:
		return mon_get_fixed(r, "dataset", 1, m->dataset, MON_NAME_MAX);
	case MON_SLURM:
		if ((rc = mon_get_u64(r, "op", &m->op)) < 0 ||
		    (rc = mon_get_fixed(r, "job", 0, m->job, MON_JOB_ID_MAX)) < 0 ||
		    (rc = mon_get_u64(r, "attempt", &m->num2)) < 0 ||
		    (rc = mon_get_u64(r, "uid", &m->num3)) < 0 ||
		    (rc = mon_get_fixed(r, "dataset", 0, m->dataset, MON_NAME_MAX)) < 0 ||
		    (rc = mon_get_fixed(r, "runtime", 0, m->runtime, MON_NAME_MAX)) < 0)
			return rc;
		for (int i = 0; i < MON_NLIMITS; i++)
			if ((rc = mon_get_u64(r, lim[i], &m->limits[i])) < 0)
				return rc;
		return mon_get_list(r, "command", 0, MON_ARG_MAX);
	case MON_ADOPT:
		return mon_get_fixed(r, "job", 1, m->job, MON_JOB_ID_MAX);
	case MON_RUNTIME_ID:
		return mon_get_fixed(r, "runtime", 1, m->runtime, MON_NAME_MAX);
	case MON_KILL:
		if ((rc = mon_get_u64(r, "pid", &m->num)) < 0)
			return rc;
		return mon_get_u64(r, "signal", &m->num2);
	case MON_SIGN_RELEASE:
	case MON_SIGN_CHECKPOINT:
		return mon_get_str(r, "text", 1, MON_TEXT_MAX, &m->text, &m->text_len);
	case MON_OK:
		if ((rc = mon_get_u64(r, "number", &m->num)) < 0 ||
		    (rc = mon_get_str(r, "text", 0, MON_TEXT_MAX, &m->text, &m->text_len)) < 0)
			return rc;
		return mon_get_str(r, "text2", 0, 65536, &m->text2, &m->text2_len);
	case MON_REFUSED:
		return mon_get_str(r, "reason", 0, TREX_ERR_MSG_MAX, &m->text, &m->text_len);
	case MON_EXITED:
		if ((rc = mon_get_u64(r, "pid", &m->num)) < 0 ||
		    (rc = mon_get_u64(r, "status", &m->num3)) < 0)
			return rc;
		return mon_get_u64(r, "signal", &m->num2);
	default:
		return trex_err_setx(r->err, -EBADMSG, "unknown message type %u", type);
	}
	return 0;
}

int mon_parse(const void *buf, size_t len, struct mon_msg *m, struct trex_err *err)
{
	const unsigned char *p = buf;
	m->type = 0;
	m->n_list = 0;
	m->list[0] = NULL;
	m->text = m->text2 = NULL;
	m->text_len = m->text2_len = 0;
	m->arena_used = 0;
	m->job[0] = m->dataset[0] = m->runtime[0] = m->ids_key[0] = '\0';
	m->num = m->num2 = m->num3 = m->op = 0;
	memset(m->limits, 0, sizeof(m->limits));
	if (len < MON_HDR_LEN || len > MON_MSG_MAX)
		return trex_err_setx(err, -EBADMSG, "message of %zu bytes", len);
	if (mon_le32(p) != MON_MAGIC)
		return trex_err_setx(err, -EBADMSG, "bad magic");
	uint32_t type = mon_le32(p + 4);
	if (mon_le32(p + 8) != len - MON_HDR_LEN)
		return trex_err_setx(err, -EBADMSG, "body length %u, datagram holds %zu",
				     mon_le32(p + 8), len - MON_HDR_LEN);
	struct mon_reader r = { .p = p + MON_HDR_LEN, .left = len - MON_HDR_LEN, .m = m,
				.err = err };
	int rc = mon_parse_body(&r, type);
	if (rc < 0)
		return rc;
	if (r.left != 0)
		return trex_err_setx(err, -EBADMSG, "%zu bytes after the last field", r.left);
	m->type = type;
	return 0;
}

void mon_begin(struct mon_writer *w, unsigned char *buf, uint32_t type)
{
	w->buf = buf;
	w->len = MON_HDR_LEN;
	w->overflow = 0;
	mon_store32(buf, MON_MAGIC);
	mon_store32(buf + 4, type);
}

static void mon_put_raw(struct mon_writer *w, const void *data, size_t len)
{
	if (w->overflow || len > MON_MSG_MAX || w->len + 4 + len > MON_MSG_MAX) {
		w->overflow = 1;
		return;
	}
	mon_store32(w->buf + w->len, (uint32_t)len);
	if (len)
		memcpy(w->buf + w->len + 4, data, len);
	w->len += 4 + len;
}

void mon_put_u64(struct mon_writer *w, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	mon_put_raw(w, b, 8);
}

void mon_put_str(struct mon_writer *w, const char *s, size_t len)
{
	mon_put_raw(w, s, len);
}

void mon_put_list(struct mon_writer *w, const char *const *v, size_t n)
{
	mon_put_u64(w, n);
	for (size_t i = 0; i < n; i++)
		mon_put_str(w, v[i], strlen(v[i]));
}

int mon_end(struct mon_writer *w)
{
	if (w->overflow)
		return -EMSGSIZE;
	mon_store32(w->buf + 8, (uint32_t)(w->len - MON_HDR_LEN));
	return (int)w->len;
}

int mon_job_id_ok(const char *s)
{
	/* YYYYMMDDTHHMMSS-hhhhhhhhhhhh */
	if (strlen(s) != 28)
		return 0;
	for (int i = 0; i < 28; i++) {
		char c = s[i];
		int ok = i == 8 ? c == 'T' : i == 15 ? c == '-'
			: i < 15 ? c >= '0' && c <= '9'
				 : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		if (!ok)
			return 0;
	}
	return 1;
}

int mon_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MON_NAME_MAX || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]))
			return 0;
	return 1;
}

int mon_send(int sock, const void *buf, size_t len, const int *fds, int n_fds)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		char b[CMSG_SPACE(sizeof(int) * MON_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (n_fds > 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n_fds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n_fds);
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n >= 0)
			return (size_t)n == len ? 0 : -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
}

int mon_recv(int sock, void *buf, int *fds, int *n_fds)
{
	struct iovec iov = { .iov_base = buf, .iov_len = MON_MSG_MAX };
	union {
		char b[CMSG_SPACE(sizeof(int) * MON_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	ssize_t n;
	*n_fds = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*n_fds < MON_MAX_FDS)
				fds[(*n_fds)++] = fd;
			else
				close(fd);
		}
	}
	/* cut short: the datagram, or the fds it carried */
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		for (int i = 0; i < *n_fds; i++)
			close(fds[i]);
		*n_fds = 0;
		return -EMSGSIZE;
	}
	return (int)n;
}
