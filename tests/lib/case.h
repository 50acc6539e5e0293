/* SPDX-License-Identifier: GPL-2.0 */
/*
 * case.h - one TAP result per test case, each case in its own process.
 *
 * Like kselftest_harness.h: a case runs in a forked child so a crash or
 * hang in one case is reported as "not ok" and the others still run.  The
 * parent kills a child that outlives its timeout.  Inside a case, CHECK()
 * prints a diagnostic and fails the case at the first false condition.
 */
#ifndef TESTS_CASE_H
#define TESTS_CASE_H

#include <stdbool.h>
#include "tap.h"

enum case_result { CASE_PASS = 0, CASE_FAIL = 1, CASE_SKIP = 4 };

struct test_case {
	const char *name;
	int (*fn)(void);
	unsigned int timeout_s;		/* 0: 30 seconds */
};

/* Runs every case, prints the plan and results; returns the exit status. */
int cases_run(const struct test_case *cases, unsigned int n);

/* Mark the current case skipped with @reason (printf format). */
int case_skip(const char *fmt, ...) TAP_PRINTF(1, 2);

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		tap_diag("%s:%d: check failed: %s", __FILE__, __LINE__, #cond); \
		tap_diag(__VA_ARGS__);					\
		return CASE_FAIL;					\
	}								\
} while (0)

/* Compares two integers and prints both on mismatch. */
#define CHECK_EQ(got, want, ...) do {					\
	unsigned long long __g = (unsigned long long)(got);		\
	unsigned long long __w = (unsigned long long)(want);		\
	if (__g != __w) {						\
		tap_diag("%s:%d: %s = 0x%llx, want 0x%llx (%s)",	\
			 __FILE__, __LINE__, #got, __g, __w, #want);	\
		tap_diag(__VA_ARGS__);					\
		return CASE_FAIL;					\
	}								\
} while (0)

/* An ioctl-like call must fail with -1 and errno @err. */
#define CHECK_ERRNO(call, err, ...) do {				\
	errno = 0;							\
	long __rc = (long)(call);					\
	int __e = errno;						\
	if (__rc != -1 || __e != (err)) {				\
		tap_diag("%s:%d: %s returned %ld errno %d (%s), want -1 errno %d (%s)", \
			 __FILE__, __LINE__, #call, __rc, __e,		\
			 strerror(__e), (err), strerror(err));		\
		tap_diag(__VA_ARGS__);					\
		return CASE_FAIL;					\
	}								\
} while (0)

/* A call must succeed (not return -1). */
#define CHECK_OK(call, ...) do {					\
	errno = 0;							\
	long __rc = (long)(call);					\
	if (__rc == -1) {						\
		tap_diag("%s:%d: %s failed: errno %d (%s)", __FILE__,	\
			 __LINE__, #call, errno, strerror(errno));	\
		tap_diag(__VA_ARGS__);					\
		return CASE_FAIL;					\
	}								\
} while (0)

#endif
