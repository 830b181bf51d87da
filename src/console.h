// SPDX-License-Identifier: Apache-2.0
/*
 * The console for [console] serial: where guest output goes (stdout, a file, or
 * nothing) and, with serial = stdio, where guest input comes from (stdin). Devices
 * write guest output through console_write from vCPU threads; each write is one
 * write(2), so concurrent writers never interleave inside a chunk. Input belongs to the
 * main thread: it starts input (a terminal goes into raw mode), reads it when the fd is
 * readable, and stops it (the terminal's settings come back) before exiting.
 *
 * Input passes through an escape parser, Ctrl-A being the escape (as in QEMU's
 * -serial mon:stdio): Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A h prints
 * help to stderr, Ctrl-A followed by anything else sends both bytes. It applies whether
 * stdin is a terminal or not, so `printf '...\001x' | rtvmm run` can script a session
 * and stop it; a binary stream piped to the guest must double its 0x01 bytes.
 *
 * How the main loop uses it (src/run.c):
 *   fd = console_input_fd(con); when fd >= 0: console_input_start(con), then add fd to
 *   epoll for EPOLLIN (epoll_ctl says EPERM for a regular file, `rtvmm run ... < file`:
 *   such an fd is always readable, read it whenever the UART has room). On EPOLLIN or
 *   EPOLLHUP: n = console_input_read(con, buf, sizeof(buf), &ev); give buf[0..n) to
 *   uart_receive(); keep what it did not take, remove fd from epoll, and offer the
 *   rest again on the UART's room notification (an eventfd the loop polls), adding fd
 *   back once all is taken. CONSOLE_EV_QUIT: end the VM as stopped (exit code 0, like
 *   SIGTERM). CONSOLE_EV_EOF: remove fd from epoll for good; the VM keeps running.
 *   On the way out, on every path: console_input_stop(con) (console_fini does too).
 */
#ifndef RTVMM_CONSOLE_H
#define RTVMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cfg;

#define CONSOLE_ESCAPE_CHAR 0x01	/* Ctrl-A */

/* What a piece of input asked for besides bytes for the guest (bit mask). */
enum console_event {
	CONSOLE_EV_QUIT = 1u << 0,	/* Ctrl-A x: stop the VM */
	CONSOLE_EV_HELP = 1u << 1,	/* Ctrl-A h or ?: help (console_input_read prints it) */
	CONSOLE_EV_EOF = 1u << 2,	/* the input ended (console_input_read only) */
};

/* The escape parser's state between pieces of input; all zero is the initial state. */
struct console_escape {
	bool pending;	/* the last byte was a Ctrl-A whose command has not arrived yet */
};

struct console {
	int out_fd;	/* -1: output discarded */
	int owned;	/* out_fd was opened here and is closed by console_fini */
	int in_fd;	/* -1: no input ([console] serial = file or null) */
	bool raw;	/* in_fd is a terminal this console put in raw mode */
	struct console_escape esc;
};

/* Opens the configured sink. Returns 0 or -errno (logged with the path). Main thread. */
int console_init(struct console *con, const struct cfg *cfg);

/* Restores the terminal if input was started, closes what console_init opened. */
void console_fini(struct console *con);

void console_write(struct console *con, const void *buf, size_t len);

/*
 * The escape parser, a pure function. Consumes in[0..n) and writes the bytes meant for
 * the guest to out, which must hold n + 1 bytes (a Ctrl-A held over from the previous
 * piece comes out together with the byte after it). A Ctrl-A at the end of a piece is
 * held until the next. Sets *events to the CONSOLE_EV_* bits seen; after Ctrl-A x the
 * rest of the piece is dropped (the VM is stopping). Returns the number of bytes in out.
 */
size_t console_escape_feed(struct console_escape *e, const uint8_t *in, size_t n, uint8_t *out,
			   unsigned *events);

/*
 * The input ended: a held Ctrl-A had no command after it and goes to the guest as it
 * is. Writes 0 or 1 byte to out and returns how many.
 */
size_t console_escape_end(struct console_escape *e, uint8_t *out);

/* The fd to poll for input, -1 when the console has none. */
int console_input_fd(const struct console *con);

/*
 * Starts input. When in_fd is a terminal: saves its settings, installs handlers that
 * restore them on a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT; each then
 * goes on to the handler that was there before, by default killing the process) and at
 * exit(), and puts it in raw mode: no echo, no line editing, no signals from Ctrl-C or
 * Ctrl-Z, no CR-to-NL or XON/XOFF on input — every key goes to the guest, whose own tty
 * layer does that work. Output settings stay as they were, so rtvmm's own messages
 * still start at column 0 and the guest's CR LF looks the same. When in_fd is not a
 * terminal nothing changes and bytes pass as they are. Returns 0, -EBUSY when another
 * console holds the terminal (one terminal per process), or tcsetattr's -errno. Main
 * thread.
 */
int console_input_start(struct console *con);

/* Restores what console_input_start changed. Idempotent. Main thread. */
void console_input_stop(struct console *con);

/*
 * One read(2) of at most len - 1 bytes (len >= 2) from the input fd, through the escape
 * parser. Leaves the guest's bytes in buf and returns their number, which may be 0 (an
 * escape command, a held Ctrl-A) — *events says what else happened. At the end of the
 * input (read returns 0, or a terminal that hung up says EIO) sets CONSOLE_EV_EOF. Prints
 * the help for CONSOLE_EV_HELP to stderr. Returns -EAGAIN/-EINTR when nothing could be
 * read, -EINVAL without input or with len < 2, other read(2) errors as -errno. Main
 * thread.
 */
ssize_t console_input_read(struct console *con, uint8_t *buf, size_t len, unsigned *events);

#endif
