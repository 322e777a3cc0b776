/* The job's view of the host-wide figures of /proc (ATTACKS 80, issue
 * #12): free memory, load, CPU and interrupt counters, thread counts and
 * idle time are shared by every job on the host, so one job moving them
 * (allocating, forking, spinning) and another reading them is a channel
 * between jobs. Like LXCFS and gVisor, the job reads a job-sized view
 * instead, small read-only files bound over the real ones by mounts.c,
 * a snapshot at set-up:
 *   meminfo  MemTotal = MemFree = MemAvailable = the memory limit, no swap
 *   stat     the job's CPUs with zero times, zero counters, the boot time
 *   cpuinfo  the host's first entries, one per job CPU (R's detectCores
 *            greps it)
 *   loadavg  no load, one thread
 *   uptime   the host's uptime (CLOCK_BOOTTIME shows it anyway), no idle
 * meminfo and uptime are the job's own, written on its /dev tmpfs before
 * the pivot. stat, cpuinfo and loadavg depend only on the CPU count and
 * the boot: they are made once per boot and CPU count under
 * SBX_RUN_DIR/procview (root only) and bound read-only from there, which
 * saves every start three files and a read of the host's cpuinfo (tens of
 * us each on a busy host). Jobs then share those three inodes, as they
 * share every file of /usr (tests/escape/RESIDUAL.md: byte-range locks).
 * sysinfo(2) is answered with the same figures (sysinfo.c). */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"

#define SBX_CPUINFO_MAX (32 * 1024)
/* bump when the content of the shared views changes */
#define SBX_PROCVIEW_FORMAT "v1"

const char *const sbx_procview_files[SBX_PROCVIEW_NFILES] = {
	"meminfo", "stat", "cpuinfo", "loadavg", "uptime",
};
/* where mounts.c finds each, relative to the /dev/.mask directory: the
 * shared ones through the read-only bind "v" */
const char *const sbx_procview_src[SBX_PROCVIEW_NFILES] = {
	"meminfo", "v/stat", "v/cpuinfo", "v/loadavg", "uptime",
};
static const char *const sbx_procview_shared[] = { "stat", "cpuinfo", "loadavg" };

unsigned sbx_job_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 && n < SBX_MAX_JOB_CPUS ? (unsigned)n : SBX_MAX_JOB_CPUS;
}

static uint64_t sbx_clock_s(clockid_t id, unsigned *centi)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	if (centi)
		*centi = (unsigned)(ts.tv_nsec / 10000000);
	return (uint64_t)ts.tv_sec;
}

/* Whole files, written once: a short write is an error */
static int sbx_procview_put(int dirfd, const char *name, const char *text, size_t len,
			    struct trex_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					0444);
	if (fd < 0)
		return trex_err_set(err, -errno, "create the /proc/%s view", name);
	if (trex_write_all(fd, text, len) < 0)
		return trex_err_set(err, -errno, "write the /proc/%s view", name);
	return 0;
}

static size_t sbx_meminfo(char *buf, size_t size, uint64_t total_kb)
{
	static const char *const zero[] = {
		"Buffers", "Cached", "SwapCached", "Active", "Inactive", "Active(anon)",
		"Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked",
		"SwapTotal", "SwapFree", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem",
		"KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables",
		"Bounce", "WritebackTmp",
	};
	size_t n = 0;
	char label[32];
	static const char *const total[] = { "MemTotal", "MemFree", "MemAvailable" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(label, sizeof(label), "%s:", total[i]);
		n += (size_t)snprintf(buf + n, size - n, "%-16s%8llu kB\n", label,
				      (unsigned long long)total_kb);
	}
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		snprintf(label, sizeof(label), "%s:", zero[i]);
		n += (size_t)snprintf(buf + n, size - n, "%-16s%8u kB\n", label, 0u);
	}
	n += (size_t)snprintf(buf + n, size - n,
			      "%-16s%8llu kB\n%-16s%8u kB\n"
			      "HugePages_Total:       0\nHugePages_Free:        0\n"
			      "HugePages_Rsvd:        0\nHugePages_Surp:        0\n"
			      "Hugepagesize:       2048 kB\nHugetlb:               0 kB\n",
			      "CommitLimit:", (unsigned long long)total_kb, "Committed_AS:", 0u);
	return n;
}

/* The boot time in seconds, rounded (the two clocks are read apart, so a
 * truncated difference could come out one second off between jobs and
 * split the shared views) */
static uint64_t sbx_btime(void)
{
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	int64_t ns = ((int64_t)rt.tv_sec - bt.tv_sec) * 1000000000LL + (rt.tv_nsec - bt.tv_nsec);
	return (uint64_t)((ns + 500000000LL) / 1000000000LL);
}

static size_t sbx_stat(char *buf, size_t size, unsigned cpus, uint64_t btime)
{
	static const char times[] = " 0 0 0 0 0 0 0 0 0 0\n";
	size_t n = (size_t)snprintf(buf, size, "cpu %s", times);
	for (unsigned i = 0; i < cpus; i++)
		n += (size_t)snprintf(buf + n, size - n, "cpu%u%s", i, times);
	n += (size_t)snprintf(buf + n, size - n,
			      "intr 0\nctxt 0\nbtime %llu\nprocesses 0\nprocs_running 1\n"
			      "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
			      (unsigned long long)btime);
	return n;
}

/* The first `cpus` processor entries of the host's /proc/cpuinfo (entries
 * end with an empty line); read once per boot and CPU count */
static int sbx_cpuinfo(unsigned cpus, char *buf, size_t size, size_t *len, struct trex_err *err)
{
	ssize_t r = 0;
	_cleanup_close_ int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "read /proc/cpuinfo");
	size_t n = 0, keep = 0;
	unsigned seen = 0;
	while (seen < cpus && n < size && (r = read(fd, buf + n, size - n)) > 0) {
		n += (size_t)r;
		for (; keep + 1 < n && seen < cpus; keep++)
			if (buf[keep] == '\n' && buf[keep + 1] == '\n') {
				seen++;
				keep++; /* past the empty line */
			}
	}
	if (r < 0)
		return trex_err_set(err, -errno, "read /proc/cpuinfo");
	/* fewer entries than CPUs (one went offline meanwhile, or entries
	 * larger than the buffer): what was read */
	*len = seen == cpus ? keep : n;
	return 0;
}

/* stat, cpuinfo and loadavg into dirfd */
static int sbx_procview_put_shared(int dirfd, unsigned cpus, uint64_t btime, struct trex_err *err)
{
	static char cpuinfo[SBX_CPUINFO_MAX];
	static const char load[] = "0.00 0.00 0.00 1/1 1\n";
	char text[4096];
	size_t len = sbx_stat(text, sizeof(text), cpus, btime);
	int rc;
	if ((rc = sbx_procview_put(dirfd, "stat", text, len, err)) < 0 ||
	    (rc = sbx_cpuinfo(cpus, cpuinfo, sizeof(cpuinfo), &len, err)) < 0 ||
	    (rc = sbx_procview_put(dirfd, "cpuinfo", cpuinfo, len, err)) < 0)
		return rc;
	return sbx_procview_put(dirfd, "loadavg", load, sizeof(load) - 1, err);
}

/* Make the shared views of this boot and CPU count at dir: written in a
 * fresh directory, then renamed into place whole; a concurrent sandbox
 * that got there first wins and ours is removed */
static int sbx_procview_make(const char *dir, unsigned cpus, uint64_t btime, struct trex_err *err)
{
	char tmp[128];
	if (mkdir(SBX_RUN_DIR "/procview", 0700) < 0 && errno != EEXIST)
		return trex_err_set(err, -errno, "mkdir " SBX_RUN_DIR "/procview");
	snprintf(tmp, sizeof(tmp), SBX_RUN_DIR "/procview/tmp.XXXXXX");
	if (!mkdtemp(tmp))
		return trex_err_set(err, -errno, "mkdtemp in " SBX_RUN_DIR "/procview");
	int rc;
	{
		_cleanup_close_ int dfd = open(tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = dfd < 0 ? trex_err_set(err, -errno, "open %s", tmp)
			     : sbx_procview_put_shared(dfd, cpus, btime, err);
	}
	if (rc == 0 && chmod(tmp, 0755) < 0)
		rc = trex_err_set(err, -errno, "chmod %s", tmp);
	if (rc == 0 && rename(tmp, dir) == 0)
		return 0;
	if (rc == 0 && errno != EEXIST && errno != ENOTEMPTY)
		rc = trex_err_set(err, -errno, "rename %s", tmp);
	for (size_t i = 0; i < sizeof(sbx_procview_shared) / sizeof(sbx_procview_shared[0]); i++) {
		char f[160];
		snprintf(f, sizeof(f), "%s/%s", tmp, sbx_procview_shared[i]);
		(void)unlink(f);
	}
	(void)rmdir(tmp);
	return rc;
}

int sbx_procview_prepare(int mask_dirfd, const char *mask_path, const struct sbx_config *cfg,
			 struct trex_err *err)
{
	char text[4096], dir[128], probe[160], v[4096];
	/* counted once by the supervisor (sysconf reads sysfs: tens of us) */
	unsigned cpus = cfg->job_cpus ? cfg->job_cpus : sbx_job_cpus();
	uint64_t btime = sbx_btime();
	unsigned centi;
	size_t len;
	int rc;

	/* the job's own */
	len = sbx_meminfo(text, sizeof(text), cfg->memory_mb * 1024);
	if ((rc = sbx_procview_put(mask_dirfd, "meminfo", text, len, err)) < 0)
		return rc;
	uint64_t up = sbx_clock_s(CLOCK_BOOTTIME, &centi);
	len = (size_t)snprintf(text, sizeof(text), "%llu.%02u 0.00\n", (unsigned long long)up, centi);
	if ((rc = sbx_procview_put(mask_dirfd, "uptime", text, len, err)) < 0)
		return rc;

	/* the shared ones: made unless this boot has them, then bound
	 * read-only at v (attributes set on the bind: the cache's own mount
	 * is the host's). Should SBX_RUN_DIR refuse them (read-only /run),
	 * the job gets its own copies in v instead */
	if (mkdirat(mask_dirfd, "v", 0755) < 0)
		return trex_err_set(err, -errno, "mkdir /dev/.mask/v");
	snprintf(dir, sizeof(dir), SBX_RUN_DIR "/procview/" SBX_PROCVIEW_FORMAT "-%uc-%llu", cpus,
		 (unsigned long long)btime);
	snprintf(probe, sizeof(probe), "%s/loadavg", dir);
	struct trex_err made = { 0 };
	if (access(probe, F_OK) < 0 && sbx_procview_make(dir, cpus, btime, &made) < 0) {
		_cleanup_close_ int vfd = openat(mask_dirfd, "v", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (vfd < 0)
			return trex_err_set(err, -errno, "open /dev/.mask/v");
		return sbx_procview_put_shared(vfd, cpus, btime, err);
	}
	snprintf(v, sizeof(v), "%s/v", mask_path);
	if (mount(dir, v, NULL, MS_BIND, NULL) < 0)
		return trex_err_set(err, -errno, "bind %s", dir);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					       MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };
	if (mount_setattr(AT_FDCWD, v, 0, &attr, sizeof(attr)) < 0)
		return trex_err_set(err, -errno, "set read-only flags on %s", dir);
	return 0;
}
