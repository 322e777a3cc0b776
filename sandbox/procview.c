/* The job's view of the host-wide figures of /proc (ATTACKS 80, issue
 * #12): free memory, load, CPU and interrupt counters, thread counts and
 * idle time are shared by every job on the host, so one job moving them
 * (allocating, forking, spinning) and another reading them is a channel
 * between jobs. Like LXCFS and gVisor, the job reads a job-sized view
 * instead: small files written per job on its own /dev tmpfs before the
 * pivot (so no other job shares their inodes) and bound over the real
 * ones by mounts.c. They are a snapshot at set-up:
 *   meminfo  MemTotal = MemFree = MemAvailable = the memory limit, no swap
 *   stat     sbx_job_cpus() idle CPUs with zero times, zero counters
 *   cpuinfo  the host's first sbx_job_cpus() processors (R's detectCores
 *            greps it), read once per boot into SBX_RUN_DIR/cpuinfo.N
 *   loadavg  no load, one thread
 *   uptime   the host's boot time (CLOCK_BOOTTIME shows it anyway), no idle
 * sysinfo(2) is answered with the same figures (sysinfo.c). */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"

#define SBX_CPUINFO_MAX (32 * 1024)

const char *const sbx_procview_files[SBX_PROCVIEW_NFILES] = {
	"meminfo", "stat", "cpuinfo", "loadavg", "uptime",
};

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

static uint64_t sbx_btime(void)
{
	return sbx_clock_s(CLOCK_REALTIME, NULL) - sbx_clock_s(CLOCK_BOOTTIME, NULL);
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

/* Publish the cache whole or not at all: an unnamed file linked in once
 * written (concurrent sandboxes all are pid 1, so no pid-named temp
 * file); the first link wins, the others get EEXIST. Best effort. */
static void sbx_cpuinfo_cache_put(const char *path, const char *text, size_t len)
{
	_cleanup_close_ int fd = open(SBX_RUN_DIR, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || trex_write_all(fd, text, len) < 0)
		return;
	if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) < 0) {
		/* EEXIST: another sandbox published it first */
	}
}

/* The first `cpus` processor entries of the host's /proc/cpuinfo (entries
 * end with an empty line). Read from procfs once per boot (tens of us of
 * frequency sampling per read), then from the cache in SBX_RUN_DIR, which
 * only root can write; a cache older than this boot (/run on disk) is
 * made again. */
static int sbx_cpuinfo(unsigned cpus, uint64_t btime, char *buf, size_t size, size_t *len,
		       struct trex_err *err)
{
	char cache[64];
	ssize_t r = 0;
	struct stat st;
	snprintf(cache, sizeof(cache), SBX_RUN_DIR "/cpuinfo.%u", cpus);
	{
		_cleanup_close_ int fd = open(cache, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_mtime > btime &&
		    (r = read(fd, buf, size)) > 0 && (size_t)r < size) {
			*len = (size_t)r;
			return 0;
		}
		if (fd >= 0 && unlink(cache) < 0) {
			/* stale or unreadable: replaced below when possible */
		}
	}
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
	/* fewer entries than expected (a CPU went offline meanwhile, or
	 * entries larger than the buffer): what was read, not cached */
	*len = seen == cpus ? keep : n;
	if (seen == cpus)
		sbx_cpuinfo_cache_put(cache, buf, *len);
	return 0;
}

int sbx_procview_write(int dirfd, const struct sbx_config *cfg, struct trex_err *err)
{
	static char cpuinfo[SBX_CPUINFO_MAX];
	char text[4096];
	size_t len;
	/* counted once by the supervisor (sysconf reads sysfs: tens of us) */
	unsigned cpus = cfg->job_cpus ? cfg->job_cpus : sbx_job_cpus();
	uint64_t btime = sbx_btime();
	unsigned centi;
	int rc;

	len = sbx_meminfo(text, sizeof(text), cfg->memory_mb * 1024);
	if ((rc = sbx_procview_put(dirfd, "meminfo", text, len, err)) < 0)
		return rc;
	len = sbx_stat(text, sizeof(text), cpus, btime);
	if ((rc = sbx_procview_put(dirfd, "stat", text, len, err)) < 0)
		return rc;
	if ((rc = sbx_cpuinfo(cpus, btime, cpuinfo, sizeof(cpuinfo), &len, err)) < 0 ||
	    (rc = sbx_procview_put(dirfd, "cpuinfo", cpuinfo, len, err)) < 0)
		return rc;
	static const char load[] = "0.00 0.00 0.00 1/1 1\n";
	if ((rc = sbx_procview_put(dirfd, "loadavg", load, sizeof(load) - 1, err)) < 0)
		return rc;
	uint64_t up = sbx_clock_s(CLOCK_BOOTTIME, &centi);
	len = (size_t)snprintf(text, sizeof(text), "%llu.%02u 0.00\n", (unsigned long long)up, centi);
	return sbx_procview_put(dirfd, "uptime", text, len, err);
}
