/* The end an adopted run recorded (adopt_end.h): the files
 * sandbox/adopt.c writes in STATE/jobs/ID/adopt, read and checked. */
#include "adopt_end.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"

#define ADOPT_LOG_MAX (1u << 20)     /* sandbox.h SBX_ADOPT_LOG_MAX, job.c JOB_LOG_MAX */
#define ADOPT_RECORD_MAX (256u << 10) /* SBX_ADOPT_STATUS_MAX, JOB_STATUS_MAX */
#define ADOPT_HEADER_MAX 160
#define ADOPT_TOTAL_MAX (1ull << 53)

void adopt_end_free(struct adopt_end *e)
{
	trex_free(e->out);
	trex_free(e->err);
	trex_free(e->record);
	*e = (struct adopt_end){ 0 };
}

/* name in dir: a regular file of at most max bytes (never a link) */
static int adopt_end_file(int dir, const char *name, size_t max, char **data, size_t *len,
			   struct trex_err *err)
{
	_cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return trex_err_set(err, -errno, "adopt/%s", name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return trex_err_setx(err, -EBADMSG, "adopt/%s: not a regular file", name);
	if ((uint64_t)st.st_size > max)
		return trex_err_setx(err, -EBADMSG, "adopt/%s: over %zu bytes", name, max);
	*data = trex_malloc((size_t)st.st_size + 1);
	if (!*data)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return trex_err_setx(err, -EBADMSG, "adopt/%s: shorter than its size", name);
		got += (size_t)n;
	}
	(*data)[got] = '\0';
	*len = got;
	return 0;
}

/* "NAME=" then decimal digits (no sign, no leading zero but "0") up to
 * max, then `sep`; *p moves past it. */
static int adopt_field(const char **p, const char *name, uint64_t max, char sep, uint64_t *v)
{
	size_t n = strlen(name);
	const char *s = *p;
	if (strncmp(s, name, n) != 0 || s[n] != '=')
		return -1;
	s += n + 1;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	uint64_t x = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (*s != sep)
		return -1;
	*v = x;
	*p = s + 1;
	return 0;
}

int adopt_end_read(const char *job_dir, struct adopt_end *e, struct trex_err *err)
{
	*e = (struct adopt_end){ 0 };
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/adopt", job_dir);
	_cleanup_close_ int dir = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return trex_err_set(err, -errno, "adopt folder");
	char *st = NULL;
	size_t st_len = 0;
	int r = adopt_end_file(dir, "status", ADOPT_HEADER_MAX + ADOPT_RECORD_MAX, &st, &st_len,
				err);
	if (r < 0)
		return r;
	/* trex-adopt 1 exit=N signal=N stdout_bytes=N stderr_bytes=N record=N\n */
	const char *s = st;
	uint64_t ex = 0, sig = 0, rec = 0;
	static const char magic[] = "trex-adopt 1 ";
	if (st_len > ADOPT_HEADER_MAX + ADOPT_RECORD_MAX || strncmp(s, magic, sizeof(magic) - 1) ||
	    (s += sizeof(magic) - 1, 0) || adopt_field(&s, "exit", 255, ' ', &ex) < 0 ||
	    adopt_field(&s, "signal", 64, ' ', &sig) < 0 ||
	    adopt_field(&s, "stdout_bytes", ADOPT_TOTAL_MAX, ' ', &e->out_total) < 0 ||
	    adopt_field(&s, "stderr_bytes", ADOPT_TOTAL_MAX, ' ', &e->err_total) < 0 ||
	    adopt_field(&s, "record", ADOPT_RECORD_MAX, '\n', &rec) < 0 ||
	    (size_t)(s - st) > ADOPT_HEADER_MAX || rec != st_len - (size_t)(s - st) ||
	    memchr(s, '\0', rec) || (ex != 0 && sig != 0)) {
		trex_free(st);
		return trex_err_setx(err, -EBADMSG, "adopt/status: not a status header and record");
	}
	e->exit_status = (int64_t)ex;
	e->term_signal = (int)sig;
	e->record_len = rec;
	e->record = trex_malloc(rec + 1);
	if (!e->record) {
		trex_free(st);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	memcpy(e->record, s, rec);
	e->record[rec] = '\0';
	trex_free(st);
	/* each log: what was kept, never more than what went through */
	r = adopt_end_file(dir, "stdout", ADOPT_LOG_MAX, &e->out, &e->out_len, err);
	if (r == 0)
		r = adopt_end_file(dir, "stderr", ADOPT_LOG_MAX, &e->err, &e->err_len, err);
	if (r == 0 && (e->out_len > e->out_total || e->err_len > e->err_total))
		r = trex_err_setx(err, -EBADMSG, "adopt/status: a log longer than its count");
	if (r < 0)
		adopt_end_free(e);
	return r;
}
