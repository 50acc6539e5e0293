/* SPDX-License-Identifier: GPL-2.0 */
/* Number, size and address syntax of the command line. */
#ifndef VMM_PARSE_H
#define VMM_PARSE_H

#include <stdint.h>

/*
 * "4096", "0x1000", "64K", "256M", "1G", "1T" (binary units, upper or
 * lower case, an optional trailing "B" or "iB").  Returns 0, or -1 with
 * errno EINVAL for bad syntax, ERANGE when the value does not fit in 64
 * bits.
 */
int parse_size(const char *s, uint64_t *out);

/* A plain number: decimal, 0x hex or 0 octal.  0, or -1 as above. */
int parse_u64(const char *s, uint64_t *out);

#endif
