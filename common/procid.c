/* Process identity (procid.h). */
#include "procid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int trex_proc_identity(pid_t pid, unsigned long long *start, char boot[TREX_BOOT_ID_LEN + 1])
{
	char p[64], st[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ssize_t n = read(fd, st, sizeof(st) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	st[n] = '\0';
	/* the command name may hold anything, spaces and ')' too: the
	 * fields count from its last ')'; field 3 follows it, 22 is 19
	 * spaces further */
	const char *f = strrchr(st, ')');
	for (int i = 0; i < 20 && f; i++)
		f = strchr(f + 1, ' ');
	if (!f)
		return -EIO;
	char *end;
	errno = 0;
	*start = strtoull(f + 1, &end, 10);
	if (errno || end == f + 1 || (*end != ' ' && *end != '\0'))
		return -EIO;
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, boot, TREX_BOOT_ID_LEN);
	close(fd);
	if (n != TREX_BOOT_ID_LEN)
		return -EIO;
	boot[TREX_BOOT_ID_LEN] = '\0';
	return 0;
}
