// SPDX-License-Identifier: GPL-2.0
/* The device event loop thread (evloop.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "evloop.h"
#include "log.h"

#define EVLOOP_MAX_FDS		32
#define EVLOOP_BATCH		16
#define EVLOOP_JOIN_TIMEOUT_SEC	2

struct evloop_entry {
	int fd;
	evloop_fn fn;
	void *opaque;
};

static struct {
	int epfd;
	int stop_fd;		/* eventfd: the thread must end */
	pthread_t thread;
	bool started;
	bool stuck;		/* the thread did not stop */
	unsigned int nr;
	struct evloop_entry entries[EVLOOP_MAX_FDS];
} ev = { .epfd = -1, .stop_fd = -1 };

int evloop_init(void)
{
	struct epoll_event e = { .events = EPOLLIN };
	int err;

	if (ev.epfd >= 0)
		return 0;
	ev.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev.epfd < 0)
		return -1;
	ev.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ev.stop_fd < 0)
		goto close_epoll;
	/* data.ptr NULL marks the stop eventfd. */
	e.data.ptr = NULL;
	if (epoll_ctl(ev.epfd, EPOLL_CTL_ADD, ev.stop_fd, &e))
		goto close_stop;
	return 0;
close_stop:
	err = errno;
	close(ev.stop_fd);
	ev.stop_fd = -1;
	errno = err;
close_epoll:
	err = errno;
	close(ev.epfd);
	ev.epfd = -1;
	return err_set(err);
}

int evloop_add(int fd, uint32_t events, evloop_fn fn, void *opaque)
{
	struct epoll_event e = { .events = events };
	struct evloop_entry *entry;

	if (ev.epfd < 0 || ev.started)
		return err_set(EINVAL);
	if (ev.nr == EVLOOP_MAX_FDS)
		return err_set(ENOSPC);
	entry = &ev.entries[ev.nr];
	*entry = (struct evloop_entry){ .fd = fd, .fn = fn, .opaque = opaque };
	e.data.ptr = entry;
	if (epoll_ctl(ev.epfd, EPOLL_CTL_ADD, fd, &e))
		return -1;
	ev.nr++;
	return 0;
}

static void *evloop_thread(void *arg)
{
	struct epoll_event events[EVLOOP_BATCH];
	int n, i;

	(void)arg;
	for (;;) {
		n = epoll_wait(ev.epfd, events, EVLOOP_BATCH, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("device event loop: epoll_wait: %s",
			       strerror(errno));
			return NULL;
		}
		for (i = 0; i < n; i++) {
			struct evloop_entry *entry = events[i].data.ptr;

			if (!entry)
				return NULL;
			entry->fn(entry->opaque, events[i].events);
		}
	}
}

int evloop_start(void)
{
	sigset_t all, old;
	int ret;

	if (ev.epfd < 0 || ev.started)
		return err_set(EINVAL);
	/* Signals are for the main thread and the vCPU threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&ev.thread, NULL, evloop_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return err_set(ret);
	ev.started = true;
	return 0;
}

bool evloop_stop(void)
{
	uint64_t one = 1;

	if (ev.started) {
		struct timespec deadline;

		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += EVLOOP_JOIN_TIMEOUT_SEC;
		if (write(ev.stop_fd, &one, sizeof(one)) < 0 ||
		    pthread_timedjoin_np(ev.thread, NULL, &deadline)) {
			/*
			 * A handler stuck in IO (a full stdout): its device
			 * stays allocated, the process is about to exit.
			 */
			pr_err("the device event loop did not stop within %d s",
			       EVLOOP_JOIN_TIMEOUT_SEC);
			ev.stuck = true;
		}
		ev.started = false;
	}
	if (ev.stuck)
		return false;
	if (ev.epfd >= 0)
		close(ev.epfd);
	if (ev.stop_fd >= 0)
		close(ev.stop_fd);
	ev.epfd = -1;
	ev.stop_fd = -1;
	ev.nr = 0;
	return true;
}
