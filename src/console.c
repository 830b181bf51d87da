// SPDX-License-Identifier: Apache-2.0
/*
 * Console output sink (see console.h).
 */
#include "console.h"

#include "log.h"

#include "../config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int console_init(struct console *con, const struct cfg *cfg)
{
	con->out_fd = -1;
	con->owned = 0;
	switch (cfg->console.serial) {
	case CFG_SERIAL_STDIO:
		con->out_fd = STDOUT_FILENO;
		break;
	case CFG_SERIAL_FILE:
		con->out_fd = open(cfg->console.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				   0644);
		if (con->out_fd < 0) {
			int ret = -errno;

			log_err("console: %s: %s", cfg->console.path, strerror(-ret));
			return ret;
		}
		con->owned = 1;
		break;
	case CFG_SERIAL_NULL:
		break;
	}
	return 0;
}

void console_fini(struct console *con)
{
	if (con->owned && con->out_fd >= 0)
		close(con->out_fd);
	con->out_fd = -1;
	con->owned = 0;
}

void console_write(struct console *con, const void *buf, size_t len)
{
	const char *p = buf;

	while (con->out_fd >= 0 && len) {
		ssize_t n = write(con->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* a closed terminal or full disk must not stop the guest */
		p += n;
		len -= (size_t)n;
	}
}
