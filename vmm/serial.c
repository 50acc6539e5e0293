// SPDX-License-Identifier: GPL-2.0
/* COM1 wired to the host's stdout and stdin (serial.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "ioport.h"
#include "log.h"
#include "platform.h"
#include "serial.h"
#include "uart.h"
#include "vmm.h"

/* How long the writer may take to flush at exit. */
#define SERIAL_FLUSH_MS		1500
/* How often a blocked writer looks for an exit request. */
#define SERIAL_WRITE_POLL_MS	100
#define SERIAL_CHUNK		4096

static struct {
	pthread_mutex_t lock;		/* the UART, irq_level, rx_cond */
	struct uart uart;
	struct vmm *vmm;		/* NULL: no interrupts, no Ctrl-a x */
	bool irq_level;
	bool initialized;

	/* Output ring, under out_lock. */
	pthread_mutex_t out_lock;
	pthread_cond_t out_data;	/* the writer waits for bytes */
	pthread_cond_t out_room;	/* vCPUs wait for room */
	uint8_t out[SERIAL_OUT_SIZE];
	size_t out_head, out_count;
	bool dropping;			/* full: drop until half empty */
	uint64_t dropped;
	bool exiting;			/* the writer flushes and ends */
	int64_t flush_deadline_ms;
	int out_fd;
	pthread_t writer;
	bool writer_running;

	/* Input. */
	pthread_cond_t rx_cond;		/* the guest took input bytes */
	int in_fd;
	int stop_fd;			/* eventfd: reader must end */
	pthread_t reader;
	bool reader_running;
	bool escape_on;			/* Ctrl-a commands (a terminal) */
	atomic_bool stopping;
} com1 = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.out_lock = PTHREAD_MUTEX_INITIALIZER,
	.out_data = PTHREAD_COND_INITIALIZER,
	.out_room = PTHREAD_COND_INITIALIZER,
	.rx_cond = PTHREAD_COND_INITIALIZER,
	.out_fd = -1,
	.in_fd = -1,
	.stop_fd = -1,
};

static int64_t serial_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The transmit callback: runs on a vCPU thread with com1.lock held. */
static void serial_tx(void *opaque, uint8_t byte)
{
	struct timespec deadline;
	int ret = 0;

	(void)opaque;
	pthread_mutex_lock(&com1.out_lock);
	if (com1.out_count == SERIAL_OUT_SIZE && !com1.dropping &&
	    !atomic_load(&com1.stopping)) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += SERIAL_TX_WAIT_MS * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		while (com1.out_count == SERIAL_OUT_SIZE && ret != ETIMEDOUT)
			ret = pthread_cond_timedwait(&com1.out_room,
						     &com1.out_lock, &deadline);
	}
	if (com1.out_count == SERIAL_OUT_SIZE) {
		com1.dropping = true;
		com1.dropped++;
	} else if (com1.dropping) {
		com1.dropped++;
	} else {
		com1.out[(com1.out_head + com1.out_count) % SERIAL_OUT_SIZE] = byte;
		if (!com1.out_count++)
			pthread_cond_signal(&com1.out_data);
	}
	pthread_mutex_unlock(&com1.out_lock);
}

/*
 * Writes @len bytes, waiting for the fd in short steps.  Returns false
 * when the output is gone or the exit deadline passed.
 */
static bool serial_write_all(const uint8_t *buf, size_t len)
{
	struct pollfd pfd = { .fd = com1.out_fd, .events = POLLOUT };
	ssize_t n;
	int ret;

	while (len) {
		pthread_mutex_lock(&com1.out_lock);
		ret = com1.exiting && serial_now_ms() > com1.flush_deadline_ms;
		pthread_mutex_unlock(&com1.out_lock);
		if (ret)
			return false;
		ret = poll(&pfd, 1, SERIAL_WRITE_POLL_MS);
		if (ret < 0 && errno != EINTR)
			return false;
		if (ret <= 0)
			continue;
		n = write(com1.out_fd, buf, len);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return false;
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		}
	}
	return true;
}

static void *serial_writer(void *arg)
{
	uint8_t chunk[SERIAL_CHUNK];
	size_t n, first;
	bool ok = true;

	(void)arg;
	pthread_mutex_lock(&com1.out_lock);
	for (;;) {
		while (!com1.out_count && !com1.exiting)
			pthread_cond_wait(&com1.out_data, &com1.out_lock);
		if (!com1.out_count)
			break;
		n = com1.out_count < sizeof(chunk) ? com1.out_count :
		    sizeof(chunk);
		first = SERIAL_OUT_SIZE - com1.out_head;
		if (first > n)
			first = n;
		memcpy(chunk, com1.out + com1.out_head, first);
		memcpy(chunk + first, com1.out, n - first);
		pthread_mutex_unlock(&com1.out_lock);
		/* A dead output (EPIPE, EIO): discard, as a UART with no cable. */
		if (ok)
			ok = serial_write_all(chunk, n);
		pthread_mutex_lock(&com1.out_lock);
		com1.out_head = (com1.out_head + n) % SERIAL_OUT_SIZE;
		com1.out_count -= n;
		if (com1.dropping && com1.out_count <= SERIAL_OUT_SIZE / 2)
			com1.dropping = false;
		pthread_cond_broadcast(&com1.out_room);
		if (com1.exiting && !ok)
			break;
	}
	pthread_mutex_unlock(&com1.out_lock);
	return NULL;
}

/* Follow the UART's interrupt output (com1.lock held). */
static void serial_update_irq(void)
{
	bool level = uart_irq_line(&com1.uart);

	if (level == com1.irq_level)
		return;
	com1.irq_level = level;
	if (com1.vmm)
		platform_irq(com1.vmm, SERIAL_COM1_IRQ, level);
}

/* A 16550 is byte wide: a word access touches consecutive registers. */
static void serial_io(void *opaque, uint16_t port, uint8_t *data,
		      unsigned int size, bool is_write)
{
	unsigned int i;

	(void)opaque;
	pthread_mutex_lock(&com1.lock);
	for (i = 0; i < size; i++) {
		unsigned int reg = (unsigned int)(port - SERIAL_COM1_BASE) + i;

		if (reg >= SERIAL_PORTS) {
			if (!is_write)
				data[i] = 0xff;
			continue;
		}
		if (is_write)
			uart_write(&com1.uart, reg, data[i]);
		else
			data[i] = uart_read(&com1.uart, reg);
	}
	serial_update_irq();
	if (com1.reader_running && uart_rx_room(&com1.uart))
		pthread_cond_signal(&com1.rx_cond);
	pthread_mutex_unlock(&com1.lock);
}

static void serial_atexit(void)
{
	serial_exit();
}

int serial_init(int out_fd)
{
	int ret;

	if (com1.initialized)
		return 0;
	com1.out_fd = out_fd;
	uart_init(&com1.uart, serial_tx, NULL);
	ret = ioport_register(SERIAL_COM1_BASE, SERIAL_PORTS, serial_io, NULL,
			      "com1");
	if (ret)
		return ret;
	ret = pthread_create(&com1.writer, NULL, serial_writer, NULL);
	if (ret)
		return err_set(ret);
	com1.writer_running = true;
	com1.initialized = true;
	atexit(serial_atexit);
	return 0;
}

/* Feed bytes to the receiver (com1.lock held). */
static void serial_feed(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		uart_receive(&com1.uart, buf[i]);
	serial_update_irq();
}

/*
 * Ctrl-a handling on terminal input; returns how many bytes of @buf are
 * left to send, or -1 for Ctrl-a x.
 */
static ssize_t serial_escape(uint8_t *buf, size_t len, bool *pending)
{
	size_t i, out = 0;

	for (i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (*pending) {
			*pending = false;
			if (c == 'x' || c == 'X')
				return -1;
			/* Ctrl-a Ctrl-a: one Ctrl-a; anything else: both. */
			if (c != SERIAL_ESCAPE)
				buf[out++] = SERIAL_ESCAPE;
			buf[out++] = c;
		} else if (c == SERIAL_ESCAPE) {
			*pending = true;
		} else {
			buf[out++] = c;
		}
	}
	return (ssize_t)out;
}

static void *serial_reader(void *arg)
{
	struct pollfd pfd[2] = {
		{ .fd = com1.in_fd, .events = POLLIN },
		{ .fd = com1.stop_fd, .events = POLLIN },
	};
	bool pending = false;
	uint8_t buf[64 + 1];	/* + the Ctrl-a an escape may put back */
	unsigned int room;
	ssize_t n;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&com1.lock);
		while (!(room = uart_rx_room(&com1.uart)) &&
		       !atomic_load(&com1.stopping))
			pthread_cond_wait(&com1.rx_cond, &com1.lock);
		pthread_mutex_unlock(&com1.lock);
		if (atomic_load(&com1.stopping))
			return NULL;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pfd[1].revents)
			return NULL;
		if (room > sizeof(buf) - 1)
			room = sizeof(buf) - 1;
		/* One byte less: an escape may expand to two bytes. */
		if (room > 1 && com1.escape_on)
			room--;
		n = read(com1.in_fd, buf, room);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return NULL;	/* EOF: the guest runs on, no input */
		if (com1.escape_on) {
			n = serial_escape(buf, (size_t)n, &pending);
			if (n < 0) {
				if (com1.vmm)
					vmm_finish(com1.vmm, VMM_EXIT_OK);
				return NULL;
			}
		}
		pthread_mutex_lock(&com1.lock);
		serial_feed(buf, (size_t)n);
		pthread_mutex_unlock(&com1.lock);
	}
}

int serial_attach(struct vmm *vmm, int in_fd)
{
	int ret;

	pthread_mutex_lock(&com1.lock);
	com1.vmm = vmm;
	serial_update_irq();
	pthread_mutex_unlock(&com1.lock);
	if (in_fd < 0 || com1.reader_running)
		return 0;
	com1.in_fd = in_fd;
	com1.escape_on = isatty(in_fd);
	com1.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (com1.stop_fd < 0)
		return -1;
	pthread_mutex_lock(&com1.lock);
	com1.reader_running = true;
	pthread_mutex_unlock(&com1.lock);
	ret = pthread_create(&com1.reader, NULL, serial_reader, NULL);
	if (ret) {
		pthread_mutex_lock(&com1.lock);
		com1.reader_running = false;
		pthread_mutex_unlock(&com1.lock);
		return err_set(ret);
	}
	return 0;
}

bool serial_escape_active(void)
{
	bool on;

	pthread_mutex_lock(&com1.lock);
	on = com1.reader_running && com1.escape_on;
	pthread_mutex_unlock(&com1.lock);
	return on;
}

unsigned int serial_rx_room(void)
{
	unsigned int room;

	/* Busy (maybe a vCPU in a register access): no room for now. */
	if (pthread_mutex_trylock(&com1.lock))
		return 0;
	room = com1.reader_running ? 0 : uart_rx_room(&com1.uart);
	pthread_mutex_unlock(&com1.lock);
	return room;
}

void serial_receive(const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&com1.lock);
	serial_feed(buf, len);
	pthread_mutex_unlock(&com1.lock);
}

void serial_stop(void)
{
	uint64_t one = 1;

	atomic_store(&com1.stopping, true);
	pthread_mutex_lock(&com1.out_lock);
	pthread_cond_broadcast(&com1.out_room);
	pthread_mutex_unlock(&com1.out_lock);
	pthread_mutex_lock(&com1.lock);
	pthread_cond_broadcast(&com1.rx_cond);
	pthread_mutex_unlock(&com1.lock);
	if (com1.stop_fd >= 0 && write(com1.stop_fd, &one, sizeof(one)) < 0)
		pr_debug("serial: cannot wake the reader: %s", strerror(errno));
}

uint64_t serial_dropped(void)
{
	uint64_t n;

	pthread_mutex_lock(&com1.out_lock);
	n = com1.dropped;
	pthread_mutex_unlock(&com1.out_lock);
	return n;
}

void serial_exit(void)
{
	static bool done;
	struct timespec deadline;
	uint64_t dropped;

	if (done)
		return;
	done = true;
	serial_stop();
	if (com1.writer_running) {
		pthread_mutex_lock(&com1.out_lock);
		com1.exiting = true;
		com1.flush_deadline_ms = serial_now_ms() + SERIAL_FLUSH_MS;
		pthread_cond_signal(&com1.out_data);
		pthread_mutex_unlock(&com1.out_lock);
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += SERIAL_FLUSH_MS / 1000 + 1;
		/* A writer stuck in write() is left behind: exit() ends it. */
		if (!pthread_timedjoin_np(com1.writer, NULL, &deadline))
			com1.writer_running = false;
	}
	pthread_mutex_lock(&com1.lock);
	if (com1.reader_running) {
		/* The reader may sit in read() of a terminal: do not wait. */
		pthread_detach(com1.reader);
		com1.reader_running = false;
	}
	pthread_mutex_unlock(&com1.lock);
	dropped = serial_dropped();
	if (dropped)
		pr_info("%" PRIu64 " bytes of console output dropped (output too slow)",
			dropped);
}
