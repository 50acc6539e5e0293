/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device event loop: one thread waiting in epoll for the file
 * descriptors of the device backends (eventfds kicked by vCPU threads on
 * QueueNotify, tap devices, stdin).  Work that may block (disk IO, tap and
 * terminal IO) runs here, never on a vCPU thread.
 *
 * Handlers run on the event thread one at a time; a handler takes the
 * locks of the device it serves (virtio_mmio.h says which).  Register
 * every fd before evloop_start(); evloop_stop() joins the thread.
 */
#ifndef VMM_EVLOOP_H
#define VMM_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

/* Called with the epoll events (EPOLLIN, ...) that fired for the fd. */
typedef void (*evloop_fn)(void *opaque, uint32_t events);

/* Each: 0, or -1 with errno set. */
int evloop_init(void);
/* Watches @fd for @events (EPOLLIN, EPOLLET, ...). */
int evloop_add(int fd, uint32_t events, evloop_fn fn, void *opaque);
int evloop_start(void);
/* False when the thread is stuck in a handler: keep its devices alive. */
bool evloop_stop(void);

#endif
