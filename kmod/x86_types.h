/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's fixed-size types for the kmod sources that also build in
 * userspace (x86.c, x86_decode.c, x86_walk.c: the host unit tests and the
 * fuzzer compile them): in the kernel the real headers, outside it the
 * few definitions those files use.
 */
#ifndef MVM_X86_TYPES_H
#define MVM_X86_TYPES_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#else
#include <stdbool.h>
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long s64;
#ifndef BIT
#define BIT(n)		(1U << (n))
#endif
#ifndef BIT_ULL
#define BIT_ULL(n)	(1ULL << (n))
#endif
#endif

#endif /* MVM_X86_TYPES_H */
