// SPDX-License-Identifier: Apache-2.0
/*
 * Console output sink, input and terminal handling (see console.h).
 */
#include "console.h"

#include "log.h"

#include "../config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/*
 * The terminal whose settings rtvmm changed. A terminal belongs to the process, not to
 * a VM, and a crash handler or an atexit function cannot be handed a struct console:
 * this is the module's one piece of global state, and one console at a time may own
 * the terminal. term_saved and term_fd are written before term_active is set (release)
 * and read after it is seen set (acquire), from any thread or a signal handler.
 */
static struct termios term_saved;
static int term_fd = -1;
static atomic_int term_active;	/* 1: the terminal is raw and term_saved must come back */
static atomic_bool term_owned;	/* a console holds the terminal (between start and stop) */
static atomic_bool term_atexit_done;	/* atexit() is registered once per process */

/* Signals whose default action kills the process while the terminal is raw. */
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT };
#define CRASH_SIGNALS (sizeof(crash_signals) / sizeof(crash_signals[0]))
static struct sigaction crash_old[CRASH_SIGNALS];	/* what was there before */

static const char escape_help[] =
	"\nrtvmm console: Ctrl-A then\n"
	"  x       stop the VM and exit\n"
	"  Ctrl-A  send Ctrl-A to the guest\n"
	"  h       this help\n";

int console_init(struct console *con, const struct cfg *cfg)
{
	con->out_fd = -1;
	con->owned = 0;
	con->in_fd = -1;
	con->raw = false;
	con->esc = (struct console_escape){ 0 };
	switch (cfg->console.serial) {
	case CFG_SERIAL_STDIO:
		con->out_fd = STDOUT_FILENO;
		con->in_fd = STDIN_FILENO;
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
	console_input_stop(con);
	if (con->owned && con->out_fd >= 0)
		close(con->out_fd);
	con->out_fd = -1;
	con->owned = 0;
	con->in_fd = -1;
}

void console_write(struct console *con, const void *buf, size_t len)
{
	const char *p = buf;

	while (con->out_fd >= 0 && len) {
		ssize_t n = write(con->out_fd, p, len);

		/*
		 * A closed terminal or full disk must not stop the guest, and a stdout nobody
		 * reads must not keep a vCPU from its kick (EINTR): that output is dropped.
		 */
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

size_t console_escape_feed(struct console_escape *e, const uint8_t *in, size_t n, uint8_t *out,
			   unsigned *events)
{
	size_t o = 0;

	*events = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (!e->pending) {
			if (c == CONSOLE_ESCAPE_CHAR)
				e->pending = true;
			else
				out[o++] = c;
			continue;
		}
		e->pending = false;
		switch (c) {
		case 'x':
			*events |= CONSOLE_EV_QUIT;
			return o;	/* what follows would reach a VM that is stopping */
		case 'h':
		case '?':
			*events |= CONSOLE_EV_HELP;
			break;
		case CONSOLE_ESCAPE_CHAR:
			out[o++] = CONSOLE_ESCAPE_CHAR;
			break;
		default:
			/* not a command: both bytes are the guest's (an editor's Ctrl-A) */
			out[o++] = CONSOLE_ESCAPE_CHAR;
			out[o++] = c;
			break;
		}
	}
	return o;
}

size_t console_escape_end(struct console_escape *e, uint8_t *out)
{
	if (!e->pending)
		return 0;
	e->pending = false;
	out[0] = CONSOLE_ESCAPE_CHAR;
	return 1;
}

int console_input_fd(const struct console *con)
{
	return con->in_fd;
}

/* Puts the saved settings back, once. Async-signal-safe: tcsetattr is. */
static void term_restore(void)
{
	if (atomic_exchange(&term_active, 0))
		tcsetattr(term_fd, TCSANOW, &term_saved);
}

static void term_atexit(void)
{
	term_restore();
}

/*
 * A crash while the terminal is raw: restore it, put back the handler that was there
 * before (the default: kill, maybe dump core; or a sanitizer's), and let the signal
 * reach it. A fault (si_code > 0) happens again when this returns, at the same
 * instruction, now with the old handler in place and the real fault address; a signal
 * sent by kill(), raise() or abort() is sent again. The signal is blocked in here, so
 * it arrives when this returns.
 */
static void term_crash_handler(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;

	(void)uc;
	term_restore();
	for (unsigned i = 0; i < CRASH_SIGNALS; i++)
		if (crash_signals[i] == sig)
			sigaction(sig, &crash_old[i], NULL);
	if (si->si_code <= 0)
		raise(sig);
	errno = saved_errno;
}

static void crash_handlers_install(void)
{
	struct sigaction sa = { .sa_sigaction = term_crash_handler,
				.sa_flags = SA_SIGINFO | SA_ONSTACK };

	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &sa, &crash_old[i]);
}

static void crash_handlers_remove(void)
{
	for (unsigned i = 0; i < CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &crash_old[i], NULL);
}

/*
 * Raw input, as a serial line delivers it; output processing is left alone (see
 * console_input_start). VMIN 1 / VTIME 0: a read returns as soon as one byte is there.
 */
static void term_make_raw(struct termios *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

int console_input_start(struct console *con)
{
	struct termios saved, raw;
	int ret;

	if (con->raw || con->in_fd < 0 || !isatty(con->in_fd))
		return 0;
	if (tcgetattr(con->in_fd, &saved) < 0) {
		ret = -errno;
		log_err("console: reading the terminal's settings: %s", strerror(-ret));
		return ret;
	}
	if (atomic_exchange(&term_owned, true))
		return -EBUSY;
	term_saved = saved;
	term_fd = con->in_fd;
	atomic_store(&term_active, 1);
	crash_handlers_install();
	if (!atomic_exchange(&term_atexit_done, true) && atexit(term_atexit))
		log_warn("console: atexit: the terminal may stay in raw mode if rtvmm exits "
			 "early");
	raw = saved;
	term_make_raw(&raw);
	if (tcsetattr(con->in_fd, TCSANOW, &raw) < 0) {
		ret = -errno;
		log_err("console: raw mode for the terminal: %s", strerror(-ret));
		atomic_store(&term_active, 0);
		crash_handlers_remove();
		atomic_store(&term_owned, false);
		return ret;
	}
	con->raw = true;
	return 0;
}

void console_input_stop(struct console *con)
{
	if (!con->raw)
		return;
	term_restore();
	crash_handlers_remove();
	con->raw = false;
	atomic_store(&term_owned, false);
}

ssize_t console_input_read(struct console *con, uint8_t *buf, size_t len, unsigned *events)
{
	uint8_t in[256];
	ssize_t n;
	size_t out;

	*events = 0;
	if (con->in_fd < 0 || len < 2)
		return -EINVAL;
	n = read(con->in_fd, in, len - 1 < sizeof(in) ? len - 1 : sizeof(in));
	if (n < 0) {
		int err = errno;

		/* a terminal that hung up (or was revoked) reads EIO from then on */
		if (err != EIO || !isatty(con->in_fd))
			return -err;
	}
	if (n <= 0) {
		*events = CONSOLE_EV_EOF;
		return (ssize_t)console_escape_end(&con->esc, buf);
	}
	out = console_escape_feed(&con->esc, in, (size_t)n, buf, events);
	if (*events & CONSOLE_EV_HELP) {
		/* best effort: a help text that cannot be shown is not an error */
		ssize_t w = write(STDERR_FILENO, escape_help, sizeof(escape_help) - 1);

		(void)w;
	}
	return (ssize_t)out;
}
