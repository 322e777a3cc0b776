/* Unit tests for the output collector (sandbox/collect.c and
 * collect_walk.c) over host temp dirs: what is copied and how, every
 * refusal reason on the status fd, the caps, the name filter; that the
 * walk runs as the given uid without root's rights; and that the root
 * side rejects whatever a correct walker would never send. The source
 * tree is chowned to WALKER_UID, as the job's /output is the job's host
 * uid's. The collector forks and changes uid: these tests need root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sandbox/collect.h"
#include "sandbox/sandbox.h"

#define WALKER_UID 420998

static char src[64], dst[64];

/* the collector forks a walker that changes uid: root only */
#define NEED_ROOT() \
	do { \
		if (getuid() != 0) \
			skip(); \
	} while (0)

static int setup(void **state)
{
	snprintf(src, sizeof(src), "/tmp/trex-colsrc.XXXXXX");
	snprintf(dst, sizeof(dst), "/tmp/trex-coldst.XXXXXX");
	assert_non_null(mkdtemp(src));
	assert_non_null(mkdtemp(dst));
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", src, dst);
	return system(cmd) == 0 ? 0 : -1;
}

static void mk(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", src, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* src and everything in it to the walker's uid (symlinks themselves) */
static void own_src(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "chown -R -h %d:%d '%s'", WALKER_UID, WALKER_UID, src);
	assert_int_equal(system(cmd), 0);
}

/* run the collector over src, owned by WALKER_UID (whatever a test chowns
 * back to root afterwards stays root's); the status text lands in *status
 * (static) */
static int collect(const struct sbx_collect_limits *lim, struct sbx_collect_result *res,
		   char **status)
{
	static char buf[16384];
	int sfd = open(src, O_PATH | O_DIRECTORY);
	int dfd = open(dst, O_RDONLY | O_DIRECTORY);
	FILE *tmp = tmpfile();
	struct trex_err err = { 0 };
	int rc = sbx_collect(sfd, dfd, WALKER_UID, lim, fileno(tmp), res, &err);
	if (rc < 0)
		print_message("sbx_collect: %s\n", err.msg);
	rewind(tmp);
	size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	close(sfd);
	close(dfd);
	*status = buf;
	return rc;
}

static bool has_line(const char *status, const char *line)
{
	size_t l = strlen(line);
	for (const char *p = status; (p = strstr(p, line)); p++)
		if ((p == status || p[-1] == '\n') && p[l] == '\n')
			return true;
	return false;
}

static void test_collect_and_refuse(void **state)
{
	NEED_ROOT();
	char p[512], q[512];
	mk("table.csv", "a,b\n1,2\n");
	snprintf(p, sizeof(p), "%s/table.csv", src);
	chmod(p, 04755);
	snprintf(p, sizeof(p), "%s/sub", src);
	mkdir(p, 0700);
	mk("sub/fig.txt", "fig\n");
	snprintf(p, sizeof(p), "%s/link", src);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/fifo", src);
	assert_int_equal(mkfifo(p, 0644), 0);
	mk("h1", "x");
	snprintf(p, sizeof(p), "%s/h1", src);
	snprintf(q, sizeof(q), "%s/h2", src);
	assert_int_equal(link(p, q), 0);
	mk("bad\nname", "x");
	mk("-rf", "x");
	mk("\xc3\x28", "x");               /* invalid UTF-8 */
	mk("caf\xc3\xa9", "ok\n");          /* valid UTF-8 */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", src);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	snprintf(p, sizeof(p), "%s/d1/d2/d3", src);
	char mk3[600];
	snprintf(mk3, sizeof(mk3), "mkdir -p '%s'", p);
	assert_int_equal(system(mk3), 0);
	mk("d1/d2/d3/deep.txt", "deep");

	own_src();
	struct sbx_collect_limits lim = { .max_entries = 100, .max_bytes = 1 << 20, .max_depth = 2 };
	struct sbx_collect_result res;
	char *st;
	assert_int_equal(collect(&lim, &res, &st), 0);
	assert_true(has_line(st, "collected=table.csv"));
	assert_true(has_line(st, "collected=sub/fig.txt"));
	assert_true(has_line(st, "collected=caf\\xc3\\xa9"));
	assert_true(has_line(st, "refused=link: symlink"));
	assert_true(has_line(st, "refused=fifo: fifo"));
	assert_true(has_line(st, "refused=sock: socket"));
	assert_true(has_line(st, "refused=h1: hard link"));
	assert_true(has_line(st, "refused=h2: hard link"));
	assert_true(has_line(st, "refused=bad\\x0aname: bad name"));
	assert_true(has_line(st, "refused=-rf: bad name"));
	assert_true(has_line(st, "refused=\\xc3(: bad name"));
	assert_true(has_line(st, "refused=d1/d2/d3: too deep"));
	assert_int_equal(res.files, 3);
	assert_false(res.limit_hit);

	struct stat sb;
	snprintf(p, sizeof(p), "%s/table.csv", dst);
	assert_int_equal(lstat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_true(S_ISREG(sb.st_mode));
	snprintf(p, sizeof(p), "%s/link", dst);
	assert_int_equal(lstat(p, &sb), -1);
	snprintf(p, sizeof(p), "%s/fifo", dst);
	assert_int_equal(lstat(p, &sb), -1);
	snprintf(p, sizeof(p), "%s/sub/fig.txt", dst);
	assert_int_equal(lstat(p, &sb), 0);
}

static void test_caps(void **state)
{
	NEED_ROOT();
	for (int i = 0; i < 10; i++) {
		char n[16];
		snprintf(n, sizeof(n), "f%d", i);
		mk(n, "0123456789");
	}
	own_src();
	struct sbx_collect_limits lim = { .max_entries = 4, .max_bytes = 1 << 20, .max_depth = 4 };
	struct sbx_collect_result res;
	char *st;
	assert_int_equal(collect(&lim, &res, &st), 0);
	assert_int_equal(res.files, 4);
	assert_int_equal(res.refused, 6);
	assert_true(res.limit_hit);
	assert_non_null(strstr(st, ": too many files\n"));
}

static void test_size_cap(void **state)
{
	NEED_ROOT();
	mk("a", "0123456789");
	mk("b", "0123456789");
	own_src();
	struct sbx_collect_limits lim = { .max_entries = 10, .max_bytes = 15, .max_depth = 4 };
	struct sbx_collect_result res;
	char *st;
	assert_int_equal(collect(&lim, &res, &st), 0);
	assert_int_equal(res.files, 1);
	assert_true(res.limit_hit);
	assert_non_null(strstr(st, ": too big\n"));
	assert_true(res.bytes <= 15);
}

static void test_name_ok(void **state)
{
	assert_true(sbx_collect_name_ok("table.csv"));
	assert_true(sbx_collect_name_ok("r\xc3\xa9sum\xc3\xa9"));
	assert_true(sbx_collect_name_ok("\xf0\x9f\x98\x80"));
	assert_false(sbx_collect_name_ok(""));
	assert_false(sbx_collect_name_ok("-x"));
	assert_false(sbx_collect_name_ok("a\nb"));
	assert_false(sbx_collect_name_ok("a\x1b]52"));
	assert_false(sbx_collect_name_ok("a\x7f"));
	assert_false(sbx_collect_name_ok("\xc2\x9b"));        /* C1 CSI */
	assert_false(sbx_collect_name_ok("\xc0\xaf"));        /* overlong '/' */
	assert_false(sbx_collect_name_ok("\xed\xa0\x80"));    /* surrogate */
	assert_false(sbx_collect_name_ok("\xff"));
	assert_false(sbx_collect_name_ok("\xe2\x82"));        /* truncated */
	/* one path component: what the copier creates must stay in its dir */
	assert_false(sbx_collect_name_ok("."));
	assert_false(sbx_collect_name_ok(".."));
	assert_false(sbx_collect_name_ok("a/b"));
	assert_false(sbx_collect_name_ok("/etc"));
	assert_true(sbx_collect_name_ok("..."));
	assert_true(sbx_collect_name_ok(".hidden"));
}

/* The job can take away its own read and search bits; the walker (the
 * owner) gives them back, as root's override did, and the files come out
 * 0644 like any other. */
static void test_modes_restored(void **state)
{
	NEED_ROOT();
	char p[512];
	snprintf(p, sizeof(p), "%s/d", src);
	assert_int_equal(mkdir(p, 0755), 0);
	mk("d/inner.txt", "inner\n");
	mk("noread.txt", "noread\n");
	mk("writeonly.txt", "wo\n");
	own_src();
	snprintf(p, sizeof(p), "%s/noread.txt", src);
	assert_int_equal(chmod(p, 0), 0);
	snprintf(p, sizeof(p), "%s/writeonly.txt", src);
	assert_int_equal(chmod(p, 0200), 0);
	snprintf(p, sizeof(p), "%s/d", src);
	assert_int_equal(chmod(p, 0), 0);
	assert_int_equal(chmod(src, 0), 0);

	struct sbx_collect_limits lim = { .max_entries = 10, .max_bytes = 1 << 20, .max_depth = 4 };
	struct sbx_collect_result res;
	char *st;
	assert_int_equal(collect(&lim, &res, &st), 0);
	assert_true(has_line(st, "collected=noread.txt"));
	assert_true(has_line(st, "collected=writeonly.txt"));
	assert_true(has_line(st, "collected=d/inner.txt"));
	assert_int_equal(res.files, 3);
	assert_int_equal(res.refused, 0);
	struct stat sb;
	snprintf(p, sizeof(p), "%s/noread.txt", dst);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
}

/* The walk has the job's host uid's rights only: what that uid cannot
 * read (a root file, a root directory) is refused, never copied, where
 * root's walk read everything. */
static void test_walker_unprivileged(void **state)
{
	NEED_ROOT();
	char p[512];
	mk("mine.txt", "mine\n");
	mk("secret.txt", "secret\n");
	snprintf(p, sizeof(p), "%s/rootdir", src);
	assert_int_equal(mkdir(p, 0700), 0);
	mk("rootdir/hidden.txt", "hidden\n");
	own_src();
	snprintf(p, sizeof(p), "%s/secret.txt", src);
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(chmod(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/rootdir", src);
	assert_int_equal(chown(p, 0, 0), 0);

	struct sbx_collect_limits lim = { .max_entries = 10, .max_bytes = 1 << 20, .max_depth = 4 };
	struct sbx_collect_result res;
	char *st;
	assert_int_equal(collect(&lim, &res, &st), 0);
	assert_true(has_line(st, "collected=mine.txt"));
	assert_true(has_line(st, "refused=secret.txt: cannot open"));
	assert_true(has_line(st, "refused=rootdir: cannot open"));
	snprintf(p, sizeof(p), "%s/secret.txt", dst);
	assert_int_equal(access(p, F_OK), -1);
	/* and the walker left root's modes alone */
	struct stat sb;
	snprintf(p, sizeof(p), "%s/secret.txt", src);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
}

/* The walker is as hostile as the tree it walked: the root side checks
 * every message. fake_walker() sends `n` messages (and fds), then closes. */
struct fake { uint32_t type, reason; const char *name; int fd; };

static int fake_copy(const struct fake *msgs, size_t n, unsigned max_depth,
		     struct sbx_collect_result *res, char **status, struct trex_err *err)
{
	static char buf[4096];
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	for (size_t i = 0; i < n; i++) {
		struct sbx_collect_msg m = { .type = msgs[i].type, .reason = msgs[i].reason };
		snprintf(m.name, sizeof(m.name), "%s", msgs[i].name ? msgs[i].name : "");
		assert_int_equal(sbx_fdmsg_send(sv[1], &m, sizeof(m), msgs[i].fd), 0);
	}
	close(sv[1]);
	struct stat sb;
	assert_int_equal(stat(src, &sb), 0);
	int dfd = open(dst, O_RDONLY | O_DIRECTORY);
	FILE *tmp = tmpfile();
	struct sbx_collect_limits lim = { .max_entries = 10, .max_bytes = 1 << 20,
					  .max_depth = max_depth };
	int rc = sbx_collect_copy(sv[0], sb.st_dev, dfd, &lim, fileno(tmp), res, err);
	rewind(tmp);
	size_t len = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[len] = '\0';
	fclose(tmp);
	close(dfd);
	close(sv[0]);
	*status = buf;
	return rc;
}

static void test_copier_checks_the_walker(void **state)
{
	NEED_ROOT();
	char p[512];
	mk("good", "good\n");
	mk("h1", "h\n");
	snprintf(p, sizeof(p), "%s/h1", src);
	char q[512];
	snprintf(q, sizeof(q), "%s/h2", src);
	assert_int_equal(link(p, q), 0);
	snprintf(p, sizeof(p), "%s/good", src);
	int good = open(p, O_RDONLY);
	int hard = open(q, O_RDONLY);
	int proc = open("/proc/self/stat", O_RDONLY); /* a regular file elsewhere */
	snprintf(p, sizeof(p), "%s", src);
	int dir = open(p, O_RDONLY | O_DIRECTORY);
	assert_true(good >= 0 && hard >= 0 && proc >= 0 && dir >= 0);
	struct sbx_collect_result res;
	struct trex_err err = { 0 };
	char *st;

	/* what a correct walker sends */
	const struct fake ok[] = {
		{ SBX_COLLECT_DIR, 0, "sub", -1 }, { SBX_COLLECT_FILE, 0, "good", good },
		{ SBX_COLLECT_UP, 0, NULL, -1 }, { SBX_COLLECT_FILE, 0, "h2", hard },
		{ SBX_COLLECT_REFUSED, SBX_REFUSE_SYMLINK, "bad\nlink", -1 },
		{ SBX_COLLECT_DONE, 0, NULL, -1 },
	};
	assert_int_equal(fake_copy(ok, 6, 4, &res, &st, &err), 0);
	assert_true(has_line(st, "collected=sub/good"));
	assert_true(has_line(st, "refused=h2: hard link"));
	assert_true(has_line(st, "refused=bad\\x0alink: symlink"));
	snprintf(p, sizeof(p), "%s/sub/good", dst);
	assert_int_equal(access(p, F_OK), 0);

	static const struct { struct fake m[2]; size_t n; const char *why; } bad[] = {
		{ { { SBX_COLLECT_FILE, 0, "x", -2 } }, 1, "a file of another filesystem" },
		{ { { SBX_COLLECT_FILE, 0, "..", -3 } }, 1, "a file named .." },
		{ { { SBX_COLLECT_FILE, 0, "a/b", -3 } }, 1, "a file named a/b" },
		{ { { SBX_COLLECT_FILE, 0, "d", -4 } }, 1, "a directory as a file" },
		{ { { SBX_COLLECT_FILE, 0, "nofd", -1 } }, 1, "a file without its fd" },
		{ { { SBX_COLLECT_DIR, 0, "..", -1 } }, 1, "a directory named .." },
		{ { { SBX_COLLECT_DIR, 0, "d1", -1 }, { SBX_COLLECT_DIR, 0, "d2", -1 } }, 2,
		  "a directory beyond the depth cap" },
		{ { { SBX_COLLECT_UP, 0, NULL, -1 } }, 1, "a step up from the top" },
		{ { { SBX_COLLECT_REFUSED, 99, "x", -1 } }, 1, "an unknown reason" },
		{ { { SBX_COLLECT_REFUSED, SBX_REFUSE_SYMLINK, "x", -3 } }, 1, "an fd with a refusal" },
		{ { { 77, 0, "x", -1 } }, 1, "an unknown message" },
		{ { { SBX_COLLECT_DIR, 0, "d3", -1 }, { SBX_COLLECT_DONE, 0, NULL, -1 } }, 2,
		  "the end inside a directory" },
		{ { { SBX_COLLECT_REFUSED, SBX_REFUSE_FIFO, "f", -1 } }, 1, "no end (the walker died)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fake m[2];
		for (size_t j = 0; j < bad[i].n; j++) {
			m[j] = bad[i].m[j];
			/* -2: the /proc file, -3: a regular file here, -4: a dir */
			m[j].fd = m[j].fd == -2 ? proc : m[j].fd == -3 ? good : m[j].fd == -4 ? dir : m[j].fd;
		}
		memset(&err, 0, sizeof(err));
		int rc = fake_copy(m, bad[i].n, 1, &res, &st, &err);
		if (rc >= 0 || !err.msg[0])
			fail_msg("%s: accepted (rc %d)", bad[i].why, rc);
	}
	snprintf(p, sizeof(p), "%s/x", dst);
	assert_int_equal(access(p, F_OK), -1);
	close(good);
	close(hard);
	close(proc);
	close(dir);
}

static void test_output_dir_open(void **state)
{
	struct trex_err err = { 0 };
	int fd = sbx_output_dir_open(dst, &err);
	assert_true(fd >= 0);
	close(fd);
	mk("x", "x");
	assert_int_equal(sbx_output_dir_open(src, &err), -ENOTEMPTY);
	char p[512];
	snprintf(p, sizeof(p), "%s/l", dst);
	assert_int_equal(symlink(src, p), 0);
	assert_true(sbx_output_dir_open(p, &err) < 0); /* never through a symlink */
	assert_true(sbx_output_dir_open("/nonexistent-trex", &err) == -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_collect_and_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_cap, setup, teardown),
		cmocka_unit_test(test_name_ok),
		cmocka_unit_test_setup_teardown(test_modes_restored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walker_unprivileged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copier_checks_the_walker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_dir_open, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
