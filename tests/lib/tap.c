// SPDX-License-Identifier: GPL-2.0
/* tap.c - the TAP producer; see tap.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"

static unsigned int tap_planned, tap_count, tap_failed;
static bool tap_has_plan;

void tap_plan(unsigned int n)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_planned = n;
	tap_has_plan = true;
	printf("1..%u\n", n);
}

static void tap_vline(const char *prefix, const char *fmt, va_list ap)
{
	printf("%s", prefix);
	vprintf(fmt, ap);
}

static void tap_vresult(bool cond, const char *fmt, va_list ap)
{
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %u - ", cond ? "" : "not ", tap_count);
	tap_vline("", fmt, ap);
	printf("\n");
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(cond, fmt, ap);
	va_end(ap);
	fflush(stdout);
	return cond;
}

bool tap_ok_at(bool cond, const char *file, int line, const char *expr,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   failed at %s:%d: %s\n", file, line, expr);
	fflush(stdout);
	return cond;
}

void tap_skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("ok %u - ", tap_count);
	va_start(ap, fmt);
	tap_vline("", fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
	fflush(stdout);
}

void tap_skip_n(unsigned int n, const char *reason)
{
	while (n--)
		tap_skip(reason, "skipped check");
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline("# ", fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_skip_all(const char *reason)
{
	printf("1..0 # SKIP %s\n", reason);
	fflush(stdout);
	exit(0);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline("Bail out! ", fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

int tap_finish(void)
{
	if (!tap_has_plan) {
		printf("1..%u\n", tap_count);
		fflush(stdout);
	} else if (tap_count != tap_planned) {
		tap_diag("planned %u checks but ran %u", tap_planned,
			 tap_count);
		return 1;
	}
	if (tap_failed)
		tap_diag("%u of %u checks failed", tap_failed, tap_count);
	return tap_failed ? 1 : 0;
}
