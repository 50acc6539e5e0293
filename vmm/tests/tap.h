/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP output for the host unit tests. */
#ifndef VMM_TAP_H
#define VMM_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...)							\
	do {								\
		int tap_c = !!(cond);					\
		tap_n++;						\
		if (!tap_c)						\
			tap_failed++;					\
		printf("%sok %d - ", tap_c ? "" : "not ", tap_n);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		if (!tap_c)						\
			printf("#   failed at %s:%d: %s\n", __FILE__,	\
			       __LINE__, #cond);			\
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
