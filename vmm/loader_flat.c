// SPDX-License-Identifier: GPL-2.0
/* Flat binary loader (loader_flat.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader_flat.h"

int flat_load(const char *path, uint64_t addr, enum x86_mode mode,
	      uint8_t *mem, uint64_t mem_size, char *msg, size_t len)
{
	const char *why;
	struct stat st;
	uint64_t done = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, len, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		err = errno;
		snprintf(msg, len, "cannot stat %s: %s", path, strerror(err));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, len, "%s: not a regular file", path);
		goto close_fd;
	}
	why = x86_check_image(mode, mem_size, addr, (uint64_t)st.st_size);
	if (why) {
		snprintf(msg, len,
			 "%s (%" PRIu64 " bytes) at 0x%" PRIx64 " in %s mode with %" PRIu64 " MiB: %s",
			 path, (uint64_t)st.st_size, addr, x86_mode_name(mode),
			 mem_size >> 20, why);
		goto close_fd;
	}
	while (done < (uint64_t)st.st_size) {
		n = read(fd, mem + addr + done, (size_t)(st.st_size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(msg, len, "cannot read %s: %s", path,
				 n ? strerror(errno) : "file shrank while reading");
			goto close_fd;
		}
		done += (uint64_t)n;
	}
	close(fd);
	return 0;

close_fd:
	close(fd);
	return -1;
}
