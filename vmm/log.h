/* SPDX-License-Identifier: GPL-2.0 */
/* Messages to stderr, prefixed with the program name. */
#ifndef VMM_LOG_H
#define VMM_LOG_H

#include <stdbool.h>
#include <stdio.h>

extern bool log_debug_enabled;

#define pr_err(fmt, ...) fprintf(stderr, "minivmm: " fmt "\n", ##__VA_ARGS__)
#define pr_info(fmt, ...) fprintf(stderr, "minivmm: " fmt "\n", ##__VA_ARGS__)
#define pr_debug(fmt, ...)						\
	do {								\
		if (log_debug_enabled)					\
			fprintf(stderr, "minivmm: debug: " fmt "\n",	\
				##__VA_ARGS__);				\
	} while (0)

#endif
