/* Unit tests for runner/config.c: defaults, strict parsing, errors that
 * name file, line and key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "tests/unit/tconfig.h"

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
	assert_int_equal(config_init_defaults(&c, "/opt/trex/bin", &err), 0);
	assert_string_equal(c.sandbox, "/opt/trex/bin/trex-sandbox");
	assert_string_equal(c.check, "/opt/trex/bin/trex-check");
	assert_string_equal(c.policy, "default");
	assert_true(c.concurrency >= 1);
	assert_int_equal(c.max_body, 16u << 20);
	assert_non_null(config_runtime(&c, "python3"));
	assert_non_null(config_runtime(&c, "r"));
	assert_non_null(config_runtime(&c, "shell"));
	assert_null(config_runtime(&c, "julia"));
	assert_string_equal(config_runtime(&c, "r")->sandbox_name, "R");
	assert_string_equal(config_runtime(&c, "shell")->sandbox_name, "sh");
	config_free(&c);
}

static void test_full(void **state)
{
	const char *text =
		"{\n"
		" \"state_dir\": \"/var/lib/trex\", \"socket\": \"/run/trex.sock\",\n"
		" \"socket_mode\": \"0660\", \"concurrency\": 3, \"policy\": \"casd\",\n"
		" \"uid_range\": \"300000:1000\", \"max_body_mb\": 4,\n"
		" \"events\": {\"max_subscribers\": 7, \"queue_kb\": 3},\n"
		" \"datasets\": {\"synth\": {\"path\": \"/tmp\", \"id_columns\": [\"pid\"]}},\n"
		" \"runtimes\": {\"python3\": {\"env\": {\"PYTHONHASHSEED\": \"0\"}}, \"julia\": {}},\n"
		" \"limits\": {\"default\": {\"memory_mb\": 512}, \"max\": {\"pids\": 100}}\n"
		"}\n";
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
	const struct runtime *rt = config_runtime(&c, "python3");
	assert_int_equal(rt->n_env, 1);
	assert_string_equal(rt->env[0], "PYTHONHASHSEED=0");
	assert_string_equal(rt->sandbox_name, "python3");
	assert_non_null(config_runtime(&c, "julia"));
	assert_null(config_runtime(&c, "julia")->sandbox_name);
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
	       "trexd.json:1: runtimes.j.sandbox_runtime must be \"python3\", \"R\", \"sh\" or null");
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
	       "\"datasets\": {\"d\": {\"path\": \"/nonexistent-trex\"}}}",
	       "dataset d: /nonexistent-trex is not a directory");
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
}

static void test_add_dataset(void **state)
{
	struct config c;
	struct trex_err err = { 0 };
	assert_int_equal(config_init_defaults(&c, "/x", &err), 0);
	assert_int_equal(config_add_dataset(&c, "synth=/tmp", &err), 0);
	assert_non_null(config_dataset(&c, "synth"));
	assert_int_not_equal(config_add_dataset(&c, "synth=/tmp", &err), 0);
	assert_string_equal(err.msg, "--dataset: \"synth\" given twice");
	assert_int_not_equal(config_add_dataset(&c, "noequals", &err), 0);
	assert_int_not_equal(config_add_dataset(&c, "x=/nonexistent-trex", &err), 0);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_add_dataset),
		cmocka_unit_test(test_tls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
