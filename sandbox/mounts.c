/* The job's filesystem: a fresh tmpfs root with read-only binds of the host
 * /usr (and the merged-usr symlinks), a handful of /etc entries, /data and
 * /job read-only noexec, size-capped tmpfs /tmp and /output, a new /proc
 * (hidepid), a minimal /dev, no /sys. Runs in the cloned child as host root
 * in its own mount namespace, before any job code exists (ATTACKS row 5:
 * nothing here can be raced by the job). Stages read top to bottom. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"

#define SBX_RO_EXEC (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define SBX_RO_NOEXEC (SBX_RO_EXEC | MOUNT_ATTR_NOEXEC)

/* Host /etc entries any program needs: the loader cache, BLAS/LAPACK
 * alternatives, fonts for plots, the time zone. A runtime's own (R's or
 * Python's configuration) come as --etc from trexd's description of it.
 * Missing ones are skipped. */
static const char *const sbx_etc_entries[] = {
	"ld.so.cache", "alternatives", "fonts", "localtime", "timezone",
};


/* base/rel into buf; a path that does not fit is an error (never a
 * truncated path), filled in like every other error of this file */
static int sbx_path(char *buf, size_t size, const char *base, const char *rel,
		    struct trex_err *err)
{
	int n = snprintf(buf, size, "%s/%s", base, rel[0] == '/' ? rel + 1 : rel);
	if (n < 0 || (size_t)n >= size)
		return trex_err_setx(err, -ENAMETOOLONG, "path too long: %s", rel);
	return 0;
}

/* Bind src onto dst (which must exist) and set the per-mount attributes.
 * mount_setattr sets attributes without clearing others. */
static int sbx_bind(const char *src, const char *dst, uint64_t attrs, struct trex_err *err)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return trex_err_set(err, -errno, "bind %s", src);
	struct mount_attr attr = { .attr_set = attrs };
	if (mount_setattr(AT_FDCWD, dst, 0, &attr, sizeof(attr)) < 0)
		return trex_err_set(err, -errno, "set read-only flags on %s", src);
	return 0;
}

/* Attach a detached tree (sbx_mounts_open_trees: attributes set there)
 * onto dst, which must exist. */
static int sbx_attach(int tree, const char *dst, const char *what, struct trex_err *err)
{
	if (move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return trex_err_set(err, -errno, "attach %s", what);
	return 0;
}

/* fd's folder (or file), copied as a detached mount with attrs and no
 * propagation to or from the host's mount it came from */
static int sbx_open_tree(int fd, uint64_t attrs, const char *what, struct trex_err *err)
{
	_cleanup_close_ int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						      AT_EMPTY_PATH);
	if (tree < 0)
		return trex_err_set(err, -errno, "copy the mount of %s", what);
	struct mount_attr attr = { .attr_set = attrs, .propagation = MS_PRIVATE };
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return trex_err_set(err, -errno, "set read-only flags on %s", what);
	return TREX_TAKE_FD(tree);
}

int sbx_mounts_open_trees(struct sbx_config *cfg, struct trex_err *err)
{
	if (cfg->code_fd >= 0) {
		int t = sbx_open_tree(cfg->code_fd, SBX_RO_NOEXEC, "--code-fd", err);
		if (t < 0)
			return t;
		cfg->code_tree = t;
		close(cfg->code_fd);
		cfg->code_fd = -1;
	}
	for (unsigned i = 0; i < cfg->nbinds; i++) {
		struct sbx_bind *b = &cfg->binds[i];
		if (b->fd < 0)
			continue;
		int t = sbx_open_tree(b->fd, SBX_RO_EXEC, "--ro-bind-fd", err);
		if (t < 0)
			return t;
		b->tree = t;
		close(b->fd);
		b->fd = -1;
	}
	return 0;
}

void sbx_mounts_close_trees(struct sbx_config *cfg)
{
	if (cfg->code_tree >= 0)
		close(cfg->code_tree);
	cfg->code_tree = -1;
	for (unsigned i = 0; i < cfg->nbinds; i++)
		if (cfg->binds[i].tree >= 0) {
			close(cfg->binds[i].tree);
			cfg->binds[i].tree = -1;
		}
}

static int sbx_tmpfs(const char *dst, unsigned long flags, const char *opts,
		     struct trex_err *err)
{
	if (mount("tmpfs", dst, "tmpfs", flags, opts) < 0)
		return trex_err_set(err, -errno, "mount tmpfs on %s", dst);
	return 0;
}

static int sbx_mkdir(const char *path, struct trex_err *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return trex_err_set(err, -errno, "mkdir %s", path);
	return 0;
}

static int sbx_touch(const char *path, struct trex_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return trex_err_set(err, -errno, "create %s", path);
	close(fd);
	return 0;
}

/* Bind a host path at the same or another place, mirroring its type: a
 * symlink is recreated (merged-usr /bin -> usr/bin), a directory or file
 * bound read-only. Absent sources are skipped when optional. */
static int sbx_mirror(const char *root, const char *src, const char *dest, uint64_t attrs,
		      bool optional, struct trex_err *err)
{
	char dst[4096];
	struct stat st;
	if (lstat(src, &st) < 0) {
		if (optional && errno == ENOENT)
			return 0;
		return trex_err_set(err, -errno, "stat %s", src);
	}
	if (sbx_path(dst, sizeof(dst), root, dest, err) < 0)
		return -ENAMETOOLONG;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return trex_err_set(err, -errno, "readlink %s", src);
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return trex_err_set(err, -errno, "symlink %s", dest);
		return 0;
	}
	int rc = S_ISDIR(st.st_mode) ? sbx_mkdir(dst, err) : sbx_touch(dst, err);
	if (rc < 0)
		return rc;
	return sbx_bind(src, dst, attrs, err);
}

/* mkdir -p of dest's parents inside root, then the mountpoint itself. */
static int sbx_make_mountpoint(const char *root, const char *dest, bool dir, struct trex_err *err)
{
	char path[4096];
	if (sbx_path(path, sizeof(path), root, dest, err) < 0)
		return -ENAMETOOLONG;
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		int rc = sbx_mkdir(path, err);
		*p = '/';
		if (rc < 0)
			return rc;
	}
	return dir ? sbx_mkdir(path, err) : sbx_touch(path, err);
}

static int sbx_mirror_etc(const char *root, const char *name, struct trex_err *err)
{
	char src[256], dest[256];
	snprintf(src, sizeof(src), "/etc/%s", name);
	snprintf(dest, sizeof(dest), "etc/%s", name);
	return sbx_mirror(root, src, dest, SBX_RO_NOEXEC, true, err);
}

static int sbx_write_etc(const char *root, const struct sbx_config *cfg, struct trex_err *err)
{
	static const struct { const char *name, *text; } files[] = {
		{ "etc/passwd", "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
				"job:x:1000:1000:trex job:/tmp:/bin/sh\n"
				"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
		{ "etc/group", "root:x:0:\njob:x:1000:\nnogroup:x:65534:\n" },
		{ "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n" },
		{ "etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n" },
		{ "etc/hostname", "trex\n" },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096];
		if (sbx_path(path, sizeof(path), root, files[i].name, err) < 0)
			return -ENAMETOOLONG;
		_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return trex_err_set(err, -errno, "create %s", files[i].name);
		if (trex_write_all(fd, files[i].text, strlen(files[i].text)) < 0)
			return trex_err_set(err, -errno, "write %s", files[i].name);
	}
	for (size_t i = 0; i < sizeof(sbx_etc_entries) / sizeof(sbx_etc_entries[0]); i++) {
		int rc = sbx_mirror_etc(root, sbx_etc_entries[i], err);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < cfg->netc; i++) {
		int rc = sbx_mirror_etc(root, cfg->etc[i], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int sbx_make_dev(const char *root, const struct sbx_config *cfg, uint64_t shm_mb,
			struct trex_err *err)
{
	/* memory devices, major 1 (Documentation/admin-guide/devices.txt) */
	static const struct { const char *name; unsigned minor; } nodes[] = {
		{ "null", 3 }, { "zero", 5 }, { "full", 7 }, { "random", 8 }, { "urandom", 9 },
	};
	static const struct { const char *name, *target; } links[] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	char dev[4096], path[4096], opts[128];
	int rc;
	if (sbx_path(dev, sizeof(dev), root, "dev", err) < 0)
		return -ENAMETOOLONG;
	/* the five nodes are made here (host root may mknod), so this tmpfs
	 * allows devices: one mknod each instead of a file, a bind and, at
	 * the end, an unmount (this used to bind the host's nodes onto a
	 * nodev tmpfs). No other node can appear: the tmpfs goes read-only
	 * below, the job has no CAP_MKNOD and its filter refuses mknod;
	 * /dev/shm is its own nodev tmpfs */
	if ((rc = sbx_mkdir(dev, err)) < 0 ||
	    (rc = sbx_tmpfs(dev, MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=64", err)) < 0)
		return rc;
	mode_t umask_was = umask(0); /* 0666 whatever the caller's umask */
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dev, nodes[i].name);
		if (cfg->rootless) {
			/* a user namespace may not mknod a device, and a tmpfs
			 * it mounts never honours one: the host's own nodes,
			 * bound on empty files (as unprivileged bubblewrap) */
			char src[64];
			snprintf(src, sizeof(src), "/dev/%s", nodes[i].name);
			umask(umask_was);
			if ((rc = sbx_touch(path, err)) < 0 ||
			    (rc = sbx_bind(src, path, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err)) < 0)
				return rc;
			umask(0);
			continue;
		}
		if (mknod(path, S_IFCHR | 0666, makedev(1, nodes[i].minor)) < 0) {
			rc = trex_err_set(err, -errno, "mknod /dev/%s", nodes[i].name);
			umask(umask_was);
			return rc;
		}
	}
	umask(umask_was);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dev, links[i].name);
		if (symlink(links[i].target, path) < 0)
			return trex_err_set(err, -errno, "symlink /dev/%s", links[i].name);
	}
	/* the /proc mask inodes (sbx_mask_proc): an unreadable file and
	 * directory in a root-only directory of this tmpfs. They stay linked
	 * (an unlinked inode would keep the tmpfs from going read-only) and
	 * become read-only with it below, superblock and all, so every bind
	 * of them is read-only too; no scratch tmpfs of their own (a mount
	 * and a remount fewer) */
	snprintf(path, sizeof(path), "%s/.mask", dev);
	if (mkdir(path, 0700) < 0)
		return trex_err_set(err, -errno, "mkdir /dev/.mask");
	snprintf(path, sizeof(path), "%s/.mask/f", dev);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return trex_err_set(err, -errno, "create mask file");
	close(fd);
	snprintf(path, sizeof(path), "%s/.mask/d", dev);
	if (mkdir(path, 0) < 0)
		return trex_err_set(err, -errno, "create mask dir");
	/* the job-sized /proc files next to the masks, read-only with the
	 * tmpfs or through their own read-only bind (procview.c) */
	snprintf(path, sizeof(path), "%s/.mask", dev);
	_cleanup_close_ int mask_dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (mask_dir < 0)
		return trex_err_set(err, -errno, "open /dev/.mask");
	if ((rc = sbx_procview_prepare(mask_dir, path, cfg, err)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/shm", dev);
	snprintf(opts, sizeof(opts), "mode=1777,size=%llum,nr_inodes=1024",
		 (unsigned long long)shm_mb);
	if ((rc = sbx_mkdir(path, err)) < 0 ||
	    (rc = sbx_tmpfs(path, MS_NOSUID | MS_NODEV | MS_NOEXEC, opts, err)) < 0)
		return rc;
	if (mount(NULL, dev, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL) < 0)
		return trex_err_set(err, -errno, "remount /dev read-only");
	return 0;
}

static int sbx_mask_proc(const char *root, const char *proc, struct trex_err *err)
{
	/* the world-readable ones (root-only 0400 entries such as kmsg,
	 * kpage*, slabinfo are already closed to the job's unmapped-root-free
	 * credentials), plus kcore, timer_list and sysrq-trigger whose modes
	 * differ between kernels. Then (issue #12) the host-wide figures no
	 * job needs, each a channel between concurrent jobs (counters other
	 * jobs move: I/O, interrupts, free pages, pressure, open files, the
	 * host's lock table) or a host fact (boot command line, boot id,
	 * disks, consoles). The type is known, so no lstat per entry (procfs
	 * lookups per start): the bind itself says ENOENT for an entry this
	 * kernel lacks, and a type mismatch (ENOTDIR/EISDIR, never seen)
	 * falls back to asking. (timer_stats and sched_debug left /proc in
	 * 4.11 and 5.13, before the 6.3 trex needs: no lookup for them) */
	static const struct { const char *name; bool dir; } masked[] = {
		{ "keys", false }, { "key-users", false }, { "kcore", false },
		{ "kallsyms", false }, { "timer_list", false },
		{ "latency_stats", false }, { "sysrq-trigger", false },
		{ "asound", true }, { "acpi", true }, { "scsi", true }, { "config.gz", false },
		{ "modules", false }, { "iomem", false }, { "ioports", false },
		{ "cmdline", false }, { "consoles", false }, { "diskstats", false },
		{ "partitions", false }, { "locks", false }, { "vmstat", false },
		{ "zoneinfo", false }, { "buddyinfo", false }, { "interrupts", false },
		{ "softirqs", false }, { "swaps", false }, { "schedstat", false },
		{ "cgroups", false }, { "mdstat", false }, { "pressure", true },
		{ "irq", true }, { "fs", true }, { "sys/fs", true },
		{ "sys/kernel/random/boot_id", false },
	};
	char base[4096], file[4200], dir[4200], target[4096];
	int rc = 0;
	/* the mask inodes were made on the /dev tmpfs by sbx_make_dev, which
	 * is read-only (superblock) by now: binds of them are read-only */
	if (sbx_path(base, sizeof(base), root, "dev/.mask", err) < 0)
		return -ENAMETOOLONG;
	snprintf(file, sizeof(file), "%s/f", base);
	snprintf(dir, sizeof(dir), "%s/d", base);
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
		snprintf(target, sizeof(target), "%s/%s", proc, masked[i].name);
		if (mount(masked[i].dir ? dir : file, target, NULL, MS_BIND, NULL) == 0)
			continue;
		if (errno == ENOENT)
			continue; /* not on this kernel */
		struct stat st;
		if ((errno == ENOTDIR || errno == EISDIR) && lstat(target, &st) == 0 &&
		    mount(S_ISDIR(st.st_mode) ? dir : file, target, NULL, MS_BIND, NULL) == 0)
			continue;
		rc = trex_err_set(err, -errno, "mask /proc/%s", masked[i].name);
		break;
	}
	/* the job-sized views (procview.c), made next to the masks */
	for (size_t i = 0; rc == 0 && i < SBX_PROCVIEW_NFILES; i++) {
		snprintf(file, sizeof(file), "%s/%s", base, sbx_procview_src[i]);
		snprintf(target, sizeof(target), "%s/%s", proc, sbx_procview_files[i]);
		if (mount(file, target, NULL, MS_BIND, NULL) < 0)
			rc = trex_err_set(err, -errno, "bind the job's /proc/%s", sbx_procview_files[i]);
	}
	return rc;
}

int sbx_mounts_setup(const struct sbx_mount_plan *plan, const char **stage,
		     struct trex_err *err)
{
	const struct sbx_config *cfg = plan->cfg;
	const char *root = plan->base;
	char path[4096], opts[256];
	int rc;

	/* nothing we mount may propagate back to the host */
	*stage = "mount_private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return trex_err_set(err, -errno, "make / private");

	*stage = "mount_root";
	if ((rc = sbx_tmpfs(root, MS_NOSUID | MS_NODEV, "mode=0755,size=1m,nr_inodes=4096", err)) < 0)
		return rc;

	*stage = "mount_usr";
	if ((rc = sbx_mirror(root, "/usr", "usr", SBX_RO_EXEC, false, err)) < 0)
		return rc;
	static const char *const top[] = { "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32" };
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if ((rc = sbx_mirror(root, top[i], top[i], SBX_RO_EXEC, true, err)) < 0)
			return rc;

	*stage = "mount_etc";
	if ((rc = sbx_make_mountpoint(root, "etc", true, err)) < 0 ||
	    (rc = sbx_write_etc(root, cfg, err)) < 0)
		return rc;

	if (cfg->data) {
		*stage = "mount_data";
		if ((rc = sbx_make_mountpoint(root, "data", true, err)) < 0 ||
		    (rc = sbx_path(path, sizeof(path), root, "data", err)) < 0 ||
		    (rc = sbx_bind(cfg->data, path, SBX_RO_NOEXEC, err)) < 0)
			return rc;
	}
	if (cfg->has_code) {
		*stage = "mount_code";
		if ((rc = sbx_make_mountpoint(root, "job", true, err)) < 0 ||
		    (rc = sbx_path(path, sizeof(path), root, "job", err)) < 0 ||
		    (rc = cfg->code ? sbx_bind(cfg->code, path, SBX_RO_NOEXEC, err)
				    : sbx_attach(cfg->code_tree, path, "--code-fd", err)) < 0)
			return rc;
	}

	*stage = "mount_tmp";
	uint64_t tmp_mb = cfg->memory_mb / 2 < 512 ? cfg->memory_mb / 2 : 512;
	snprintf(opts, sizeof(opts), "mode=1777,size=%llum,nr_inodes=%llu",
		 (unsigned long long)tmp_mb, (unsigned long long)(cfg->output_files * 4 + 256));
	if ((rc = sbx_make_mountpoint(root, "tmp", true, err)) < 0 ||
	    (rc = sbx_path(path, sizeof(path), root, "tmp", err)) < 0 ||
	    (rc = sbx_tmpfs(path, MS_NOSUID | MS_NODEV | MS_NOEXEC, opts, err)) < 0)
		return rc;

	/* owned by the job's host uid; nr_inodes bounds files+dirs+links
	 * (ATTACKS 31) with room for directories: the collector's own entry
	 * cap (--output-files) decides what comes out */
	*stage = "mount_output";
	snprintf(opts, sizeof(opts), "mode=0755,size=%llum,nr_inodes=%llu,uid=%u,gid=%u",
		 (unsigned long long)cfg->output_mb,
		 (unsigned long long)(cfg->output_files + cfg->output_files / 4 + 16),
		 (unsigned)plan->host_uid, (unsigned)plan->host_uid);
	if ((rc = sbx_make_mountpoint(root, "output", true, err)) < 0 ||
	    (rc = sbx_path(path, sizeof(path), root, "output", err)) < 0 ||
	    (rc = sbx_tmpfs(path, MS_NOSUID | MS_NODEV | MS_NOEXEC, opts, err)) < 0)
		return rc;

	*stage = "mount_proc";
	if ((rc = sbx_make_mountpoint(root, "proc", true, err)) < 0 ||
	    (rc = sbx_path(path, sizeof(path), root, "proc", err)) < 0)
		return rc;
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  "hidepid=invisible") < 0)
		return trex_err_set(err, -errno, "mount /proc");

	*stage = "mount_dev";
	if ((rc = sbx_make_dev(root, cfg, tmp_mb / 4 + 1, err)) < 0)
		return rc;

	/* kernel-wide information the job has no business reading (ATTACKS
	 * 10): covered with an unreadable root-owned file or directory */
	*stage = "mount_proc_mask";
	if ((rc = sbx_path(path, sizeof(path), root, "proc", err)) < 0 ||
	    (rc = sbx_mask_proc(root, path, err)) < 0)
		return rc;

	*stage = "mount_ro_bind";
	for (unsigned i = 0; i < cfg->nbinds; i++) {
		const struct sbx_bind *b = &cfg->binds[i];
		struct stat st;
		if (b->src ? stat(b->src, &st) < 0 : fstat(b->tree, &st) < 0)
			return b->src ? trex_err_set(err, -errno, "--ro-bind %s", b->src)
				      : trex_err_set(err, -errno, "--ro-bind-fd to %s", b->dest);
		if ((rc = sbx_make_mountpoint(root, b->dest, S_ISDIR(st.st_mode), err)) < 0 ||
		    (rc = sbx_path(path, sizeof(path), root, b->dest, err)) < 0 ||
		    (rc = b->src ? sbx_bind(b->src, path, SBX_RO_EXEC, err)
				 : sbx_attach(b->tree, path, "--ro-bind-fd", err)) < 0)
			return rc;
	}

	/* pivot_root(".", ".") stacks the old root under the new one; the
	 * detach then drops every host mount from this namespace */
	if (plan->before_pivot) {
		*stage = "cgroup";
		if ((rc = plan->before_pivot(plan->ctx, err)) < 0)
			return rc;
	}

	*stage = "pivot_root";
	if (chdir(root) < 0)
		return trex_err_set(err, -errno, "chdir %s", root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return trex_err_set(err, -errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return trex_err_set(err, -errno, "detach old root");
	if (chdir("/") < 0)
		return trex_err_set(err, -errno, "chdir /");
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return trex_err_set(err, -errno, "remount / read-only");
	return 0;
}
