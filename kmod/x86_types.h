/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's fixed-size types for the kmod sources that also build in
 * userspace (x86.c, x86_decode.c, x86_walk.c: the host unit tests and the
 * fuzzer compile them): in the kernel the real headers, outside it the
 * few definitions those files use.
 */
#ifndef MVM_X86_TYPES_H
#define MVM_X86_TYPES_H

/*
 * The code an exit runs lives in one section, .text.mvm_exit_path (the
 * entry stubs in *_entry.S too), so that an exit touches few code pages:
 * after each world switch the TLB may hold little of the host's
 * mappings, and an emulated CPU (QEMU's) flushes it at every VMRUN and
 * #VMEXIT, so each page the exit path spans costs a page walk.  Outside
 * the kernel the attribute means nothing.
 */
#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/types.h>
#define __mvm_exit_path	__section(".text.mvm_exit_path")
#else
#define __mvm_exit_path
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
