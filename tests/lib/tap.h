/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a tiny TAP producer in the spirit of kselftest.h.
 *
 * The one TAP producer of every C test: the in-bed tests of tests/ (with
 * case.h's forked cases on top), the VMM's host unit tests (vmm/tests)
 * and the host unit tests of kmod code (tests/unit).  A test calls
 * tap_plan(n), then exactly n of tap_ok()/tap_skip(), and ends with
 * "return tap_finish();"; a test that does not know its count up front
 * skips tap_plan() and tap_finish() prints the plan last.  Diagnostics
 * go to stdout as "# ..." lines so they stay in order with the results.
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <stdbool.h>

#define TAP_PRINTF(a, b) __attribute__((format(printf, a, b)))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

void tap_plan(unsigned int n);
/* Prints "ok N - desc" or "not ok N - desc"; returns cond. */
bool tap_ok(bool cond, const char *fmt, ...) TAP_PRINTF(2, 3);
/*
 * ok(cond, fmt, ...): tap_ok() that on failure also prints the condition
 * and where it is ("#   failed at FILE:LINE: COND").  @cond is evaluated
 * before the arguments, which may print what it computed.
 */
#define ok(cond, ...) do {						\
	bool tap_cond_ = (cond);					\
	tap_ok_at(tap_cond_, __FILE__, __LINE__, #cond, __VA_ARGS__);	\
} while (0)
bool tap_ok_at(bool cond, const char *file, int line, const char *expr,
	       const char *fmt, ...) TAP_PRINTF(5, 6);
/* Prints "ok N - desc # SKIP reason". */
void tap_skip(const char *reason, const char *fmt, ...) TAP_PRINTF(2, 3);
/* Skips the next n checks (their descriptions are not known). */
void tap_skip_n(unsigned int n, const char *reason);
void tap_diag(const char *fmt, ...) TAP_PRINTF(1, 2);
/* Skips the whole program: "1..0 # SKIP reason" and exit(0). */
void tap_skip_all(const char *reason) __attribute__((noreturn));
/* Aborts: a "Bail out!" line and exit(1). */
void tap_bail(const char *fmt, ...) TAP_PRINTF(1, 2) __attribute__((noreturn));
/*
 * Checks the count against the plan, or prints the plan if tap_plan() was
 * not called; returns the exit status.
 */
int tap_finish(void);

/* Shorthands that print expected and actual values on failure. */
#define TAP_EQ(got, want, ...) ({					\
	unsigned long long __g = (unsigned long long)(got);		\
	unsigned long long __w = (unsigned long long)(want);		\
	bool __r = tap_ok(__g == __w, __VA_ARGS__);			\
	if (!__r)							\
		tap_diag("  %s: got 0x%llx, want 0x%llx", #got, __g, __w); \
	__r;								\
})

#endif
