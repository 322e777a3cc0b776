/* File handling for the buffered CSV writer (out.h). */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fsutil.h"

int synth_out_open(struct synth_out *o, int dirfd, const char *name,
		   const char *header, struct trex_err *err)
{
	*o = (struct synth_out){ .fd = -1 };
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->buf = trex_malloc(SYNTH_OUT_BUF);
	if (!o->buf)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	o->fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (o->fd < 0)
		return trex_err_set(err, -errno, "create %s", name);
	/* the umask must not make the extract unreadable to the job's uid */
	if (fchmod(o->fd, 0644) < 0)
		return trex_err_set(err, -errno, "chmod %s", name);
	synth_out_str(o, header);
	synth_out_char(o, '\n');
	return 0;
}

int synth_out_flush(struct synth_out *o, struct trex_err *err)
{
	int r = trex_write_all(o->fd, o->buf, o->len);
	if (r < 0)
		return trex_err_set(err, r, "write %s", o->name);
	o->len = 0;
	return 0;
}

int synth_out_close(struct synth_out *o, struct trex_err *err)
{
	int r = 0;
	if (o->fd >= 0) {
		r = synth_out_flush(o, err);
		if (r == 0 && fsync(o->fd) < 0)
			r = trex_err_set(err, -errno, "fsync %s", o->name);
		close(o->fd);
		o->fd = -1;
	}
	trex_free(o->buf);
	o->buf = NULL;
	return r;
}
