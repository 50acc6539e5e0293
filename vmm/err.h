/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMM's error convention (docs/design.md): a function that can fail
 * returns 0 (or a count) on success and -1 with errno set on failure.
 */
#ifndef VMM_ERR_H
#define VMM_ERR_H

#include <errno.h>

/* Sets errno to @err and returns -1: "return err_set(EINVAL);". */
static inline int err_set(int err)
{
	errno = err;
	return -1;
}

#endif
