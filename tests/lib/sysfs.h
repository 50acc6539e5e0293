/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysfs.h - writing the kernel's control files (procfs, sysfs, cgroupfs)
 * from a test.
 */
#ifndef TESTS_SYSFS_H
#define TESTS_SYSFS_H

/* Writes @s to the file @path in one write(); 0, or -1 with errno. */
int file_write(const char *path, const char *s);

#endif
