/* Unit tests for runner/config.c: defaults, strict parsing, errors that
 * name file, line and key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "paths.h"
#include "runner/dataset.h"
#include "tests/unit/tconfig.h"
#include "tests/unit/tdir.h"

/* parse TEXT as trexd.json, checked; the message in MSG */
static int parse(const char *text, char msg[256])
{
	struct config c;
	int r = tconfig_parse(&c, "trexd.json", text, 1, msg);
	config_free(&c);
	return r;
}

#define EXPECT(text, m)                                 \
	do {                                            \
		char msg[256];                          \
		assert_int_not_equal(parse(text, msg), 0); \
		assert_string_equal(msg, m);            \
	} while (0)

static void test_defaults(void **state)
{
	struct config c;
	struct trex_err err = { 0 };
	assert_int_equal(config_init_defaults(&c, &err), 0);
	/* the compiled-in installation (here: this build tree), wherever
	 * the binary runs from */
	assert_string_equal(c.sandbox, trex_path_sandbox());
	assert_string_equal(c.check, trex_path_check());
	assert_string_equal(c.policy, "default");
	assert_true(c.concurrency >= 1);
	assert_int_equal(c.max_body, 16u << 20);
	assert_non_null(config_runtime(&c, "python3"));
	assert_non_null(config_runtime(&c, "r"));
	assert_non_null(config_runtime(&c, "shell"));
	assert_null(config_runtime(&c, "julia"));
	/* runtimes are data (issue #22 item 2): what the sandbox gets */
	const struct runtime *py = config_runtime(&c, "python3");
	assert_int_equal(py->n_env, 2);
	assert_string_equal(py->env[0], "PYTHONDONTWRITEBYTECODE=1");
	assert_string_equal(py->env[1], "MPLBACKEND=Agg");
	assert_int_equal(py->n_etc, 2);
	assert_string_equal(py->etc[0], "python3");
	assert_string_equal(py->etc[1], "python3.11");
	assert_int_equal(config_runtime(&c, "r")->n_etc, 1);
	assert_string_equal(config_runtime(&c, "r")->etc[0], "R");
	assert_int_equal(config_runtime(&c, "shell")->n_etc, 0);
	assert_int_equal(config_runtime(&c, "shell")->n_env, 0);
	config_free(&c);
}

/* tdir_path/REL holding TEXT (folders made on the way) */
static void put_file(const char *rel, const char *text)
{
	char path[256], cmd[400];
	snprintf(path, sizeof(path), "%s/%s", tdir_path, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_full(void **state)
{
	char text[1024];
	put_file("synth/people.csv", "pid,age\n1,2\n");
	snprintf(text, sizeof(text),
		 "{\n"
		 " \"state_dir\": \"/var/lib/trex\", \"socket\": \"/run/trex.sock\",\n"
		 " \"socket_mode\": \"0660\", \"concurrency\": 3, \"policy\": \"casd\",\n"
		 " \"uid_range\": \"300000:1000\", \"max_body_mb\": 4,\n"
		 " \"events\": {\"max_subscribers\": 7, \"queue_kb\": 3},\n"
		 " \"datasets\": {\"synth\": {\"path\": \"%s/synth\", \"id_columns\": [\"pid\"]},\n"
		 "   \"none\": {\"path\": \"/tmp\", \"id_columns\": []}},\n"
		 " \"runtimes\": {\"python3\": {\"env\": {\"PYTHONHASHSEED\": \"0\"}}, \"julia\": {},\n"
		 "   \"py-alpine\": {\"like\": \"python3\", \"etc\": [\"python3.12\"]},\n"
		 "   \"old\": {\"sandbox_runtime\": \"R\"}},\n"
		 " \"limits\": {\"default\": {\"memory_mb\": 512}, \"max\": {\"pids\": 100}}\n"
		 "}\n",
		 tdir_path);
	struct config c;
	char msg[256];
	assert_int_equal(tconfig_parse(&c, "t.json", text, 1, msg), 0);
	assert_int_equal(c.socket_mode, 0660);
	assert_int_equal(c.concurrency, 3);
	assert_int_equal(c.max_body, 4u << 20);
	assert_int_equal(c.events_max_subscribers, 7);
	assert_int_equal(c.events_queue, 3u << 10);
	assert_string_equal(c.policy, "casd");
	assert_int_equal(c.limits_default.memory_mb, 512);
	assert_int_equal(c.limits_max.pids, 100);
	const struct dataset *ds = config_dataset(&c, "synth");
	assert_non_null(ds);
	assert_int_equal(ds->n_id_columns, 1);
	assert_string_equal(ds->id_columns[0], "pid");
	assert_int_equal(config_dataset(&c, "none")->n_id_columns, 0);
	const struct runtime *rt = config_runtime(&c, "python3");
	/* the operator's environment after the built-in's defaults */
	assert_int_equal(rt->n_env, 3);
	assert_string_equal(rt->env[2], "PYTHONHASHSEED=0");
	assert_int_equal(rt->n_etc, 2);
	assert_non_null(config_runtime(&c, "julia"));
	assert_int_equal(config_runtime(&c, "julia")->n_env, 0);
	assert_int_equal(config_runtime(&c, "julia")->n_etc, 0);
	rt = config_runtime(&c, "py-alpine");
	assert_int_equal(rt->n_env, 2);
	assert_int_equal(rt->n_etc, 1);
	assert_string_equal(rt->etc[0], "python3.12");
	rt = config_runtime(&c, "old");
	assert_int_equal(rt->n_etc, 1);
	assert_string_equal(rt->etc[0], "R");
	config_free(&c);
}

static void test_errors(void **state)
{
	EXPECT("{\n \"state_dir\": \"/x\",\n \"sockett\": \"/y\"\n}",
	       "trexd.json:3: unknown key \"sockett\" in the top level");
	EXPECT("{\"limits\": {\"default\": {\n\"memory\": 1}}}",
	       "trexd.json:2: unknown key \"memory\" in limits.default");
	EXPECT("{\"datasets\": {\"d\": {\"path\": \"/tmp\",\n \"pth\": 1}}}",
	       "trexd.json:2: unknown key \"pth\" in datasets.d");
	EXPECT("{\"runtimes\": {\"r\": {\"envv\": {}}}}",
	       "trexd.json:1: unknown key \"envv\" in runtimes.r");
	EXPECT("{\"socket\": \"/a\",\n \"socket\": \"/b\"}",
	       "trexd.json:2:9: duplicate object key near '\"socket\"'");
	EXPECT("{\"concurrency\": 0}",
	       "trexd.json:1: \"concurrency\" must be an integer from 1 to 1024");
	EXPECT("{\"socket_mode\": 660}",
	       "trexd.json:1: \"socket_mode\" must be an octal string such as \"0660\"");
	EXPECT("{\"state_dir\": 3}", "trexd.json:1: \"state_dir\" must be a non-empty string");
	EXPECT("{\"datasets\": {\"d\": {\"path\": \"rel\"}}}",
	       "trexd.json:1: datasets.d.path must be absolute");
	EXPECT("{\"runtimes\": {\"j\": {\"sandbox_runtime\": \"julia\"}}}",
	       "trexd.json:1: runtimes.j.sandbox_runtime must be \"python3\", \"R\", \"sh\" or null "
	       "(better: \"like\")");
	EXPECT("{\"runtimes\": {\"j\": {\"like\": \"R\"}}}",
	       "trexd.json:1: runtimes.j.like must be \"python3\", \"r\", \"shell\" or null");
	EXPECT("{\"runtimes\": {\"j\": {\"etc\": [\"../shadow\"]}}}",
	       "trexd.json:1: runtimes.j.etc[0] must name an entry of /etc: letters, digits, \"_\", "
	       "\"-\", \".\", not starting with \".\"");
	/* trex-sandbox's --env rule (common/envvar.c), so no job fails later */
	EXPECT("{\"runtimes\": {\"j\": {\"env\": {\"MY.VAR\": \"1\"}}}}",
	       "trexd.json:1: runtimes.j.env: bad variable \"MY.VAR\" (a name of "
	       "[A-Za-z_][A-Za-z0-9_]*, at most 64 bytes, no LD_*; a string value without NUL)");
	EXPECT("{\"runtimes\": {\"j\": {\"env\": {\"LD_PRELOAD\": \"/x.so\"}}}}",
	       "trexd.json:1: runtimes.j.env: bad variable \"LD_PRELOAD\" (a name of "
	       "[A-Za-z_][A-Za-z0-9_]*, at most 64 bytes, no LD_*; a string value without NUL)");
	EXPECT("{\"runtimes\": {\"j\": {\"etc\": \"R\"}}}",
	       "trexd.json:1: runtimes.j.etc must be an array of at most 16 names");
	EXPECT("[1]", "trexd.json:1: the configuration must be a JSON object");
	EXPECT("{\"events\": {\"max_subscriber\": 1}}",
	       "trexd.json:1: unknown key \"max_subscriber\" in events");
	EXPECT("{\"events\": {\"queue_kb\": 0}}",
	       "trexd.json:1: \"queue_kb\" must be an integer from 1 to 65536");
	EXPECT("{\"socket\": \"/s\"}", "state_dir is required");
	EXPECT("{\"state_dir\": \"/s\"}", "socket is required");
	EXPECT("{\"state_dir\": \"/s\", \"socket\": \"/s\", \"uid_range\": \"12\"}",
	       "uid_range must be \"BASE:COUNT\", got \"12\"");
	EXPECT("{\"state_dir\": \"/s\", \"socket\": \"/s\", "
	       "\"limits\": {\"default\": {\"pids\": 1000}}}",
	       "limits.default.pids (1000) exceeds limits.max.pids (512)");
	EXPECT("{\"state_dir\": \"/s\", \"socket\": \"/s\", "
	       "\"datasets\": {\"d\": {\"path\": \"/nonexistent-trex\", \"id_columns\": []}}}",
	       "dataset d: /nonexistent-trex is not a directory");
	/* id_columns is said, even when empty, and each name can reach
	 * trex-check --id-columns whole */
	EXPECT("{\"datasets\": {\n\"d\": {\"path\": \"/tmp\"}}}",
	       "trexd.json:2: datasets.d: missing \"id_columns\" (an explicit [] when the dataset "
	       "has no identifier column)");
	EXPECT("{\"datasets\": {\"d\": {\"path\": \"/tmp\", \"id_columns\": \"pid\"}}}",
	       "trexd.json:1: datasets.d.id_columns must be an array of strings");
	EXPECT("{\"datasets\": {\"d\": {\"path\": \"/tmp\", \"id_columns\": [\"a\", 1]}}}",
	       "trexd.json:1: datasets.d.id_columns must be an array of strings");
	EXPECT("{\"datasets\": {\"d\": {\"path\": \"/tmp\", \"id_columns\": [\"\"]}}}",
	       "trexd.json:1: datasets.d.id_columns[0]: an empty column name");
	EXPECT("{\"datasets\": {\"d\": {\"path\": \"/tmp\", \"id_columns\": [\"a\", \"b,c\"]}}}",
	       "trexd.json:1: datasets.d.id_columns[1]: a comma in a column name (trex-check "
	       "takes them comma-separated)");
	EXPECT("{\"datasets\": {\"d\": {\"path\": \"/tmp\", \"id_columns\": [\"a\", \"a\"]}}}",
	       "trexd.json:1: datasets.d.id_columns[1]: a column named twice");
	EXPECT("{\"datasets\": {\"d\": {\"path\": \"/tmp\", \"id_columns\": [\"a\\nb\"]}}}",
	       "trexd.json:1: datasets.d.id_columns[0]: a control character in a column name");

}

/* "tls": parsed into struct tls_config; tls.listen is a numeric address */
static void test_tls(void **state)
{
	struct config c;
	char m[256];
	assert_int_equal(tconfig_parse(&c, "t.json",
				       "{\"tls\": {\"listen\": \"[::1]:8443\", \"cert\": \"/c\", "
				       "\"key\": \"/k\", \"client_ca\": \"/ca\"}}",
				       0, m),
			 0);
	assert_string_equal(c.tls.listen, "[::1]:8443");
	assert_string_equal(c.tls.cert, "/c");
	assert_string_equal(c.tls.key, "/k");
	assert_string_equal(c.tls.client_ca, "/ca");
	assert_int_equal(c.tls.handshake_timeout_ms, 10000);
	config_free(&c);
	assert_int_equal(tconfig_parse(&c, "t.json", "{}", 0, m), 0);
	assert_null(c.tls.listen);
	config_free(&c);

	struct sockaddr_storage ss;
	struct trex_err err = { 0 };
	assert_int_equal(config_tls_addr("127.0.0.1:8443", &ss, &err), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8443);
	assert_int_equal(config_tls_addr("[::1]:0", &ss, &err), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 0);
	static const char *const bad[] = { "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
					   "127.0.0.1:-1", "127.0.0.1:80x", ":80", "::1:80",
					   "[127.0.0.1]:80", "[::1]", "host:80" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(config_tls_addr(bad[i], &ss, &err), 0);
	assert_string_equal(err.msg, "\"host\" is not a numeric IP address");

#define TLS(rest) "{\"tls\": {\"listen\": \"127.0.0.1:0\", " rest "}}"
	EXPECT(TLS("\"cert\": \"/c\", \"key\": \"/k\", \"client_ca\": \"/a\",\n \"ciphers\": 1"),
	       "trexd.json:2: unknown key \"ciphers\" in tls");
	EXPECT(TLS("\"cert\": \"/c\", \"key\": \"/k\""), "trexd.json:1: tls: missing \"client_ca\"");
	EXPECT(TLS("\"cert\": \"c\", \"key\": \"/k\", \"client_ca\": \"/a\""),
	       "trexd.json:1: tls.cert must be an absolute path");
	EXPECT(TLS("\"cert\": \"/c\", \"key\": \"/k\", \"client_ca\": \"/a\", "
		   "\"handshake_timeout_ms\": 0"),
	       "trexd.json:1: \"handshake_timeout_ms\" must be an integer from 1 to 600000");
	EXPECT("{\"tls\": {\"listen\": \"localhost:1\", \"cert\": \"/c\", \"key\": \"/k\", "
	       "\"client_ca\": \"/a\"}}",
	       "trexd.json:1: tls.listen: \"localhost\" is not a numeric IP address");
	EXPECT("{\"tls\": []}", "trexd.json:1: \"tls\" must be an object");
#undef TLS

	/* review_listen: plain HTTP with session cookies, loopback only */
	assert_int_equal(tconfig_parse(&c, "t.json", "{\"review_listen\": \"127.0.0.2:8445\"}", 0, m), 0);
	assert_string_equal(c.review_listen, "127.0.0.2:8445");
	config_free(&c);
	assert_int_equal(tconfig_parse(&c, "t.json", "{\"review_listen\": \"[::1]:0\"}", 0, m), 0);
	config_free(&c);
	static const char *const open_addrs[] = { "0.0.0.0:8445", "10.0.0.1:8445", "[::]:8445",
						  "128.0.0.1:8445" };
	for (size_t i = 0; i < sizeof(open_addrs) / sizeof(open_addrs[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "{\"review_listen\": \"%s\"}", open_addrs[i]);
		assert_int_not_equal(tconfig_parse(&c, "t.json", text, 0, m), 0);
		config_free(&c);
		assert_non_null(strstr(m, "review_listen must be a loopback address"));
	}
}

/* config_add_datasets over fresh defaults; its result, err.msg in msg */
static int add(const char *const *ds, size_t n, const char *const *ids, size_t m, char msg[256],
	       struct config *c)
{
	struct trex_err err = { 0 };
	assert_int_equal(config_init_defaults(c, &err), 0);
	int r = config_add_datasets(c, ds, n, ids, m, &err);
	snprintf(msg, 256, "%s", err.msg);
	return r;
}

#define ADD_FAILS(ds, ids, m)                                                        \
	do {                                                                         \
		const char *const d_[] = ds, *const i_[] = ids;                      \
		char msg_[256];                                                      \
		assert_int_not_equal(add(d_, TREX_ARRAY_LEN(d_), i_, TREX_ARRAY_LEN(i_), \
					 msg_, &c), 0);                              \
		assert_string_equal(msg_, m);                                        \
		config_free(&c);                                                     \
	} while (0)
#define L(...) { __VA_ARGS__ }

/* the quick start: --dataset NAME=PATH with its --id-columns NAME=[COLS] */
static void test_add_datasets(void **state)
{
	struct config c;
	char msg[256];
	const char *const ds[] = { "synth=/tmp", "other=/tmp" };
	const char *const ids[] = { "other=", "synth=pid,hid" };
	assert_int_equal(add(ds, 2, ids, 2, msg, &c), 0);
	const struct dataset *d = config_dataset(&c, "synth");
	assert_non_null(d);
	assert_string_equal(d->path, "/tmp");
	assert_int_equal(d->n_id_columns, 2);
	assert_string_equal(d->id_columns[0], "pid");
	assert_string_equal(d->id_columns[1], "hid");
	assert_int_equal(config_dataset(&c, "other")->n_id_columns, 0);
	config_free(&c);

	ADD_FAILS(L("synth=/tmp"), L("x="), "--id-columns x: no --dataset x=PATH");
	/* a dataset always says its id columns, as in a file */
	{
		const char *const d1[] = { "synth=/tmp" };
		assert_int_not_equal(add(d1, 1, NULL, 0, msg, &c), 0);
		assert_string_equal(msg, "--dataset synth: no --id-columns synth=COL[,COL...] "
					 "(--id-columns synth= when it has no identifier column)");
		config_free(&c);
	}
	ADD_FAILS(L("synth=/tmp", "synth=/tmp"), L("synth="), "--dataset: \"synth\" given twice");
	ADD_FAILS(L("synth=/tmp"), L("synth=", "synth=a"), "--id-columns synth given twice");
	ADD_FAILS(L("noequals"), L("synth="), "--id-columns synth: no --dataset synth=PATH");
	ADD_FAILS(L("noequals"), L("x="), "--id-columns x: no --dataset x=PATH");
	ADD_FAILS(L("x=/tmp"), L("x"), "--id-columns wants NAME=[COL[,COL...]], got \"x\"");
	ADD_FAILS(L("x=/tmp"), L(".x="), "--id-columns wants NAME=[COL[,COL...]], got \".x=\"");
	ADD_FAILS(L("x="), L("x="), "--dataset wants NAME=PATH, got \"x=\"");
	ADD_FAILS(L("x=/nonexistent-trex"), L("x="),
		  "--dataset x: /nonexistent-trex: No such file or directory");
	ADD_FAILS(L("x=/tmp"), L("x=a,"), "--id-columns x: an empty column name");
	ADD_FAILS(L("x=/tmp"), L("x=a,,b"), "--id-columns x: an empty column name");
	ADD_FAILS(L("x=/tmp"), L("x=a,a"), "--id-columns x: a column named twice");
}

/* check DATASET (below tdir_path) with id columns IDS (comma-separated):
 * config_check's result, its message in msg */
static int check_ids(const char *dataset, const char *ids, char msg[256])
{
	struct config c;
	char spec[200], idspec[400];
	snprintf(spec, sizeof(spec), "d=%s/%s", tdir_path, dataset);
	snprintf(idspec, sizeof(idspec), "d=%s", ids);
	const char *d[] = { spec }, *i[] = { idspec };
	assert_int_equal(add(d, 1, i, 1, msg, &c), 0);
	c.state_dir = strdup("/s");
	c.socket = strdup("/s");
	struct trex_err err = { 0 };
	int r = config_check(&c, &err);
	snprintf(msg, 256, "%s", err.msg);
	config_free(&c);
	return r;
}

/* "the dataset's id columns match a column of its files": every *.csv
 * below the path (symlinks not followed), the header line only, split as
 * the index builder splits it, bounded; never a data value in a message */
static void test_id_columns_in_files(void **state)
{
	char msg[256], want[256];
	put_file("ds/a.csv", "age,pid,note\n20,SECRET-ID-1,SECRET-VALUE\n");
	put_file("ds/sub/b.csv", "\"q\"\"uoted\",\"x,y\",crlf\r\nSECRET-ROW\n");
	put_file("ds/notes.txt", "hidden\n");
	put_file("elsewhere/c.csv", "linked\n");
	char target[200], link[200];
	snprintf(target, sizeof(target), "%s/elsewhere/c.csv", tdir_path);
	snprintf(link, sizeof(link), "%s/ds/link.csv", tdir_path);
	assert_int_equal(symlink(target, link), 0);

	assert_int_equal(check_ids("ds", "", msg), 0);
	assert_int_equal(check_ids("ds", "pid", msg), 0);
	assert_int_equal(check_ids("ds", "pid,q\"uoted,x,y", msg), -EINVAL); /* "x,y" is two names */
	assert_int_equal(check_ids("ds", "crlf,q\"uoted", msg), 0);
	/* a column no file has: which dataset, which column, which files */
	snprintf(want, sizeof(want),
		 "dataset d: id column \"patient_id\" is in the header line of none of the 2 "
		 "*.csv files below %s/ds (a.csv, sub/b.csv)",
		 tdir_path);
	assert_int_equal(check_ids("ds", "pid,patient_id", msg), -EINVAL);
	assert_string_equal(msg, want);
	/* the symlinked file and the .txt are not the dataset's CSV files */
	assert_int_equal(check_ids("ds", "linked", msg), -EINVAL);
	assert_int_equal(check_ids("ds", "hidden", msg), -EINVAL);
	/* a data row is not a header */
	assert_int_equal(check_ids("ds", "SECRET-ROW", msg), -EINVAL);
	assert_null(strstr(msg, "SECRET-ID"));
	assert_null(strstr(msg, "SECRET-VALUE"));
	assert_null(strstr(msg, "age"));

	/* more files than the message names */
	for (int i = 0; i < 5; i++) {
		char rel[32];
		snprintf(rel, sizeof(rel), "many/f%d.csv", i);
		put_file(rel, "a,b\n");
	}
	snprintf(want, sizeof(want),
		 "dataset d: id column \"pid\" is in the header line of none of the 5 *.csv files "
		 "below %s/many (f0.csv, f1.csv, f2.csv, +2 more)",
		 tdir_path);
	assert_int_equal(check_ids("many", "pid", msg), -EINVAL);
	assert_string_equal(msg, want);

	/* no CSV file at all */
	put_file("empty/readme.md", "pid\n");
	snprintf(want, sizeof(want),
		 "dataset d: id column \"pid\": no *.csv file below %s/empty to find it in", tdir_path);
	assert_int_equal(check_ids("empty", "pid", msg), -EINVAL);
	assert_string_equal(msg, want);

	/* the header line is read up to DATASET_HEADER_MAX bytes, no further */
	char *big = malloc(DATASET_HEADER_MAX + 16);
	assert_non_null(big);
	memset(big, 'h', DATASET_HEADER_MAX);
	memcpy(big, "pid,", 4);
	strcpy(big + DATASET_HEADER_MAX, "\n1\n");   /* exactly the limit: fine */
	put_file("big/ok.csv", big);
	assert_int_equal(check_ids("big", "pid", msg), 0);
	strcpy(big + DATASET_HEADER_MAX, "h\n1\n");  /* one byte more */
	put_file("big/ok.csv", big);
	snprintf(want, sizeof(want), "dataset d: %s/big/ok.csv: header line longer than %d bytes",
		 tdir_path, DATASET_HEADER_MAX);
	assert_int_equal(check_ids("big", "pid", msg), -EFBIG);
	assert_string_equal(msg, want);
	big[DATASET_HEADER_MAX + 1] = '\0';       /* and no newline at all */
	put_file("big/ok.csv", big);
	assert_int_equal(check_ids("big", "pid", msg), -EFBIG);
	free(big);

	/* the index builder reads 255 columns and the rest of the line as one */
	char wide[4096];
	size_t off = 0;
	for (int i = 0; i < 300; i++)
		off += (size_t)snprintf(wide + off, sizeof(wide) - off, "%sc%d", i ? "," : "", i);
	snprintf(wide + off, sizeof(wide) - off, "\n");
	put_file("wide/w.csv", wide);
	assert_int_equal(check_ids("wide", "c0,c254", msg), 0);
	snprintf(want, sizeof(want),
		 "dataset d: id column \"c255\" is past column 255 in every *.csv file below "
		 "%s/wide that has it, and the identifier index reads no further",
		 tdir_path);
	assert_int_equal(check_ids("wide", "c255", msg), -EINVAL);
	assert_string_equal(msg, want);
	assert_int_equal(check_ids("wide", "c299", msg), -EINVAL);
	/* exactly 256 fields (a quoted comma is no separator): all indexed */
	off = (size_t)snprintf(wide, sizeof(wide), "\"a,b\"");
	for (int i = 1; i < 256; i++)
		off += (size_t)snprintf(wide + off, sizeof(wide) - off, ",c%d", i);
	snprintf(wide + off, sizeof(wide) - off, "\n");
	put_file("wide/w.csv", wide);
	assert_int_equal(check_ids("wide", "c255", msg), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_full, tdir_setup, tdir_teardown),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_add_datasets),
		cmocka_unit_test_setup_teardown(test_id_columns_in_files, tdir_setup, tdir_teardown),
		cmocka_unit_test(test_tls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
