/* Unit tests for runner/webpage.c: the one HTML-escaping function (markup,
 * quotes, control and invisible characters, malformed UTF-8), the heatmap
 * buckets, and a held table rendered with each flagged cell's classes and
 * title found by row and column, whatever the cells and names hold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "runner/webpage.h"

static char *esc(const char *s, size_t len)
{
	struct trex_buf b;
	trex_buf_init(&b, 0);
	assert_int_equal(webpage_esc(&b, s, len), 0);
	size_t n;
	char *out = trex_buf_steal(&b, &n);
	return out ? out : trex_strdup("");
}

static void test_escape(void **state)
{
	char *o = esc("<script>alert('x')</script>&\"", 29);
	assert_string_equal(o, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
	trex_free(o);
	/* newline and tab stay; other controls and DEL become visible */
	o = esc("a\nb\tc\x01\x7f\r", 8);
	assert_string_equal(o, "a\nb\tc\\x01\\x7f\\x0d");
	trex_free(o);
	/* printable UTF-8 stays; bidi overrides and zero-width characters
	 * show as escapes; malformed bytes too */
	o = esc("\xc3\xa9\xe2\x80\xae\xe2\x80\x8b\xff\xc3", 10);
	assert_string_equal(o, "\xc3\xa9\\u{202e}\\u{200b}\\xff\\xc3");
	trex_free(o);
	/* an overlong encoding of '<' is not '<' */
	o = esc("\xc0\xbc", 2);
	assert_string_equal(o, "\\xc0\\xbc");
	trex_free(o);
	o = esc("a\0b", 3);
	assert_string_equal(o, "a\\x00b");
	trex_free(o);
}

static void test_heat(void **state)
{
	assert_int_equal(webpage_heat("0"), 0);
	assert_int_equal(webpage_heat("3"), 1);
	assert_int_equal(webpage_heat("10"), 2);
	assert_int_equal(webpage_heat("999"), 3);
	assert_int_equal(webpage_heat("2.5"), 1);
	assert_int_equal(webpage_heat("123456789"), 6);
	assert_int_equal(webpage_heat(""), -1);
	assert_int_equal(webpage_heat("F"), -1);
	assert_int_equal(webpage_heat("-3"), -1);
	assert_int_equal(webpage_heat("1.2.3"), -1);
	assert_int_equal(webpage_heat(".5"), -1);
}

static char *render(const char *jobtext, const char *csv)
{
	json_t *job = json_loads(jobtext, 0, NULL);
	assert_non_null(job);
	json_t *code = json_pack("[{s:s,s:i,s:s}]", "name", "a.sh", "size", 9, "text", "echo <x>\n");
	struct webpage_output in = { .job = job, .name = "t.csv", .csv = csv, .csv_len = strlen(csv),
				     .code = code, .me = "dave", .csrf = "c0ffee" };
	struct trex_buf b;
	trex_buf_init(&b, 0);
	assert_int_equal(webpage_output(&b, &in), 0);
	json_decref(job);
	json_decref(code);
	size_t n;
	return trex_buf_steal(&b, &n);
}

static const char job_json[] =
	"{\"id\": \"J1\", \"project\": \"P1\", \"state\": \"held\", \"submitted_by\": \"alice\","
	" \"manifest\": {\"command\": [\"sh\", \"a.sh\"], \"outputs\": [{\"path\": \"t.csv\","
	"   \"dimensions\": [\"g\"]}]},"
	" \"outputs\": [{\"name\": \"t.csv\", \"kind\": \"frequency_table\", \"verdict\": \"review\","
	"   \"released\": false}],"
	" \"reviews\": [{\"name\": \"t.csv\", \"decision\": \"release\", \"reason\": \"secret vote\","
	"   \"reviewer\": \"carol\", \"at\": \"x\"}],"
	" \"report\": {\"files\": [{\"file\": \"t.csv\", \"summary\": \"s\", \"cells\": ["
	"   {\"row\": 1, \"measure\": \"n,\\\"x\\\"\", \"rule\": \"threshold\", \"action\": \"primary\","
	"    \"reason\": \"count 3 < 10 <b>\"},"
	"   {\"row\": 2, \"measure\": \"n,\\\"x\\\"\", \"rule\": \"secondary\", \"action\": \"secondary\","
	"    \"reason\": \"complement\"},"
	"   {\"row\": 2, \"measure\": \"n,\\\"x\\\"\", \"rule\": \"margins\", \"action\": \"review\","
	"    \"reason\": \"sum\"},"
	"   {\"row\": 9, \"measure\": \"n,\\\"x\\\"\", \"rule\": \"threshold\", \"action\": \"primary\","
	"    \"reason\": \"beyond the table\"},"
	"   {\"row\": 1, \"measure\": \"g\", \"rule\": \"x\", \"action\": \"<evil>\", \"reason\": \"r\"}"
	" ]}]}}";

static void test_table(void **state)
{
	/* a quoted header with a comma and quotes; a quoted cell with a
	 * newline; CRLF line ends */
	char *h = render(job_json, "g,\"n,\"\"x\"\"\"\r\n\"<A>\",3\r\n\"B\nC\",40\r\n");
	assert_non_null(h);
	assert_non_null(strstr(h, "<th>n,&quot;x&quot;</th>"));
	/* row 1: primary, shaded as a count (1-9), its rule and reason in the
	 * title, escaped */
	assert_non_null(strstr(h, "<td data-row=\"1\" data-col=\"1\" class=\"heat-1 sdc-primary\" "
				  "title=\"primary (threshold): count 3 &lt; 10 &lt;b&gt;\">3</td>"));
	/* row 2: two decisions on one cell, two classes, both titles */
	assert_non_null(strstr(h, "<td data-row=\"2\" data-col=\"1\" class=\"heat-2 sdc-secondary sdc-review\" "
				  "title=\"secondary (secondary): complement\nreview (margins): sum\">40</td>"));
	/* a dimension is not shaded; an action outside the vocabulary is
	 * "other" in the class, escaped in the title */
	assert_non_null(strstr(h, "<td data-row=\"1\" data-col=\"0\" class=\" sdc-other\" "
				  "title=\"&lt;evil&gt; (x): r\">&lt;A&gt;</td>"));
	assert_non_null(strstr(h, "<td data-row=\"2\" data-col=\"0\">B\nC</td>"));
	/* a cell beyond the table marks nothing */
	assert_null(strstr(h, "beyond the table"));
	/* the code, escaped; the decision form with the token */
	assert_non_null(strstr(h, "echo &lt;x&gt;"));
	assert_non_null(strstr(h, "name=\"csrf\" value=\"c0ffee\""));
	/* another checker's pending vote is blinded */
	assert_null(strstr(h, "carol"));
	assert_null(strstr(h, "secret vote"));
	assert_null(strstr(h, "<A>"));
	trex_free(h);
}

static void test_queue(void **state)
{
	json_t *q = json_loads("{\"items\": [{\"kind\": \"output\", \"job\": \"J1\", \"name\": \"a b/<t>.csv\","
			       " \"project\": \"P1\", \"release_votes\": [\"carol\"], \"release_votes_needed\": 2,"
			       " \"you_voted\": false}], \"truncated\": false}", 0, NULL);
	struct trex_buf b;
	trex_buf_init(&b, 0);
	assert_int_equal(webpage_queue(&b, q, "dave", "c0ffee"), 0);
	size_t n;
	char *h = trex_buf_steal(&b, &n);
	assert_non_null(strstr(h, "href=\"/review/J1/a%20b/%3Ct%3E.csv\">a b/&lt;t&gt;.csv</a>"));
	assert_non_null(strstr(h, "2 checkers needed"));
	assert_null(strstr(h, "carol"));
	trex_free(h);
	json_decref(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_heat),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
