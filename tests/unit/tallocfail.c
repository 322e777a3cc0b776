/* tallocfail.h: the loop. Only trex's own allocations fail: jansson
 * 2.14's lexer ignores a failed growth of its token buffer and writes past
 * it (valgrind shows it at once when jansson allocates through
 * trex_malloc, json_set_alloc_funcs), so failing jansson's allocations
 * would test jansson, and corrupt the heap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/alloc.h"
#include "tests/unit/tallocfail.h"

unsigned long talloc_each(int (*run)(void *arg), void *arg)
{
	trex_alloc_fail_at(0);
	int r = run(arg);
	unsigned long whole = trex_alloc_fail_at(0);
	assert_int_equal(r, 0);
	for (unsigned long n = 1; n <= whole; n++) {
		trex_alloc_fail_at(n);
		r = run(arg);
		unsigned long used = trex_alloc_fail_at(0);
		/* the nth allocation happened and failed, and the run said so
		 * or got by without it to the same result */
		assert_true(used >= n);
		assert_true(r <= 0);
	}
	return whole;
}
