// SPDX-License-Identifier: GPL-2.0
/* case.c - forked test cases with timeouts; see case.h. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "case.h"

#define CASE_REASON_LEN 256

static char *skip_reason;	/* shared with the children */

int case_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, CASE_REASON_LEN, fmt, ap);
	va_end(ap);
	return CASE_SKIP;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits for @pid for at most @timeout_s; kills it past the deadline. */
static int child_wait(pid_t pid, unsigned int timeout_s, bool *timed_out)
{
	unsigned int waited_ms = 0;
	int status;

	*timed_out = false;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited_ms >= timeout_s * 1000) {
			*timed_out = true;
			kill(pid, SIGKILL);
			/* A child stuck in the kernel may not die: do not hang. */
			for (waited_ms = 0; waited_ms < 10000; waited_ms += 20) {
				if (waitpid(pid, &status, WNOHANG) == pid)
					return status;
				sleep_ms(20);
			}
			tap_diag("pid %d survives SIGKILL (stuck in the kernel?)",
				 pid);
			return -1;
		}
		sleep_ms(20);
		waited_ms += 20;
	}
}

static void result_report(const struct test_case *tc, int status,
			bool timed_out)
{
	if (timed_out) {
		tap_diag("%s: timed out after %u s%s", tc->name,
			 tc->timeout_s ? tc->timeout_s : 30,
			 status < 0 ? " and could not be killed" : "");
		tap_ok(false, "%s", tc->name);
	} else if (status < 0) {
		tap_ok(false, "%s (waitpid failed)", tc->name);
	} else if (WIFSIGNALED(status)) {
		tap_diag("%s: killed by signal %d", tc->name,
			 WTERMSIG(status));
		tap_ok(false, "%s", tc->name);
	} else if (WEXITSTATUS(status) == CASE_SKIP) {
		tap_skip(skip_reason[0] ? skip_reason : "no reason given",
			 "%s", tc->name);
	} else {
		tap_ok(WEXITSTATUS(status) == CASE_PASS, "%s", tc->name);
	}
}

int cases_run(const struct test_case *cases, unsigned int n)
{
	unsigned int i;

	skip_reason = mmap(NULL, CASE_REASON_LEN, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	if (access("/dev/minivmm", R_OK | W_OK))
		tap_skip_all("/dev/minivmm is missing or not accessible (module not loaded?)");
	tap_plan(n);
	for (i = 0; i < n; i++) {
		const struct test_case *tc = &cases[i];
		bool timed_out;
		int status;
		pid_t pid;

		skip_reason[0] = 0;
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			tap_bail("fork: %s", strerror(errno));
		if (pid == 0) {
			int r = tc->fn();

			fflush(stdout);
			_exit(r);
		}
		status = child_wait(pid, tc->timeout_s ? tc->timeout_s : 30,
				   &timed_out);
		result_report(tc, status, timed_out);
	}
	return tap_finish();
}
