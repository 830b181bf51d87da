// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/console's input side: the escape parser (plain bytes pass, Ctrl-A
 * x quits and drops what follows, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A h and ? ask for
 * help, Ctrl-A and anything else sends both, and every case split across two pieces,
 * with a held Ctrl-A going to the guest at the end of input); which configurations
 * have input; input from a pipe (no raw mode, bytes as they are, escapes still work,
 * EOF, help on stderr); and on a pseudo-terminal: raw mode's settings, raw bytes
 * (CR, Ctrl-C) arriving, the saved settings coming back on stop, a hangup read as the
 * end of input, one owner at a time,
 * and a child process that ends by abort(), a segfault or exit() without stopping
 * leaving the terminal as it found it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/console.h"
#include "../../config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <time.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define CA "\x01"	/* Ctrl-A */

/* Feeds a C string; returns the output length, out is NUL-terminated for comparing. */
static size_t feed(struct console_escape *e, const char *in, char *out, unsigned *ev)
{
	size_t n = console_escape_feed(e, (const uint8_t *)in, strlen(in), (uint8_t *)out, ev);

	out[n] = '\0';
	return n;
}

static void test_escape_plain_bytes_pass(void **state)
{
	struct console_escape e = { 0 };
	uint8_t in[255], out[256];
	unsigned ev = 99;
	size_t k = 0;

	(void)state;
	/* every byte value but Ctrl-A, Ctrl-C and NUL and CR included */
	for (unsigned b = 0; b < 256; b++)
		if (b != CONSOLE_ESCAPE_CHAR)
			in[k++] = (uint8_t)b;
	assert_int_equal(console_escape_feed(&e, in, k, out, &ev), k);
	assert_memory_equal(out, in, k);
	assert_int_equal(ev, 0);
	assert_false(e.pending);
	assert_int_equal(console_escape_feed(&e, in, 0, out, &ev), 0);
}

static void test_escape_quit(void **state)
{
	struct console_escape e = { 0 };
	char out[32];
	unsigned ev;

	(void)state;
	assert_int_equal(feed(&e, "ls\r" CA "xrm -rf\r", out, &ev), 3);
	assert_string_equal(out, "ls\r");	/* before the escape: sent; after: dropped */
	assert_int_equal(ev, CONSOLE_EV_QUIT);
	/* only lowercase x */
	e = (struct console_escape){ 0 };
	assert_int_equal(feed(&e, CA "X", out, &ev), 2);
	assert_string_equal(out, CA "X");
	assert_int_equal(ev, 0);
}

static void test_escape_double_sends_one(void **state)
{
	struct console_escape e = { 0 };
	char out[32];
	unsigned ev;

	(void)state;
	assert_int_equal(feed(&e, "a" CA CA "b", out, &ev), 3);
	assert_string_equal(out, "a" CA "b");
	assert_int_equal(ev, 0);
	/* Ctrl-A Ctrl-A then Ctrl-A x: one Ctrl-A out, then quit */
	assert_int_equal(feed(&e, CA CA CA "x", out, &ev), 1);
	assert_string_equal(out, CA);
	assert_int_equal(ev, CONSOLE_EV_QUIT);
}

static void test_escape_help(void **state)
{
	struct console_escape e = { 0 };
	char out[32];
	unsigned ev;

	(void)state;
	assert_int_equal(feed(&e, "1" CA "h2", out, &ev), 2);
	assert_string_equal(out, "12");
	assert_int_equal(ev, CONSOLE_EV_HELP);
	assert_int_equal(feed(&e, CA "?", out, &ev), 0);
	assert_int_equal(ev, CONSOLE_EV_HELP);
	/* events are per call */
	assert_int_equal(feed(&e, "z", out, &ev), 1);
	assert_int_equal(ev, 0);
}

static void test_escape_other_sends_both(void **state)
{
	struct console_escape e = { 0 };
	char out[32];
	unsigned ev;

	(void)state;
	/* Ctrl-A a in a shell or screen, Ctrl-A Ctrl-C: both bytes are the guest's */
	assert_int_equal(feed(&e, CA "a" CA "\x03" CA "\r", out, &ev), 6);
	assert_string_equal(out, CA "a" CA "\x03" CA "\r");
	assert_int_equal(ev, 0);
	assert_false(e.pending);
}

static void test_escape_split_across_pieces(void **state)
{
	struct console_escape e = { 0 };
	char out[32];
	unsigned ev;

	(void)state;
	/* quit */
	assert_int_equal(feed(&e, "ab" CA, out, &ev), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(ev, 0);
	assert_true(e.pending);
	assert_int_equal(feed(&e, "xcd", out, &ev), 0);
	assert_int_equal(ev, CONSOLE_EV_QUIT);

	/* Ctrl-A Ctrl-A */
	e = (struct console_escape){ 0 };
	assert_int_equal(feed(&e, CA, out, &ev), 0);
	assert_int_equal(feed(&e, CA "z", out, &ev), 2);
	assert_string_equal(out, CA "z");
	assert_int_equal(ev, 0);

	/* help */
	assert_int_equal(feed(&e, "y" CA, out, &ev), 1);
	assert_int_equal(feed(&e, "h", out, &ev), 0);
	assert_int_equal(ev, CONSOLE_EV_HELP);

	/* anything else: one byte in, two out (the buffer holds n + 1) */
	assert_int_equal(feed(&e, CA, out, &ev), 0);
	assert_int_equal(feed(&e, "q", out, &ev), 2);
	assert_string_equal(out, CA "q");

	/* the Ctrl-A is held across any number of empty pieces */
	assert_int_equal(feed(&e, CA, out, &ev), 0);
	assert_int_equal(feed(&e, "", out, &ev), 0);
	assert_true(e.pending);
	assert_int_equal(feed(&e, "x", out, &ev), 0);
	assert_int_equal(ev, CONSOLE_EV_QUIT);
}

static void test_escape_end_releases_held(void **state)
{
	struct console_escape e = { 0 };
	uint8_t out[2] = { 0 };
	char s[8];
	unsigned ev;

	(void)state;
	assert_int_equal(console_escape_end(&e, out), 0);
	feed(&e, "k" CA, s, &ev);
	assert_int_equal(console_escape_end(&e, out), 1);
	assert_int_equal(out[0], CONSOLE_ESCAPE_CHAR);
	assert_false(e.pending);
	assert_int_equal(console_escape_end(&e, out), 0);
}

static void test_console_input_fd_by_config(void **state)
{
	struct cfg *cfg = calloc(1, sizeof(*cfg));
	struct console con;

	(void)state;
	assert_non_null(cfg);
	cfg->console.serial = CFG_SERIAL_STDIO;
	assert_int_equal(console_init(&con, cfg), 0);
	assert_int_equal(console_input_fd(&con), STDIN_FILENO);
	assert_int_equal(con.out_fd, STDOUT_FILENO);
	console_fini(&con);

	cfg->console.serial = CFG_SERIAL_NULL;
	assert_int_equal(console_init(&con, cfg), 0);
	assert_int_equal(console_input_fd(&con), -1);
	/* nothing to start, nothing to read */
	assert_int_equal(console_input_start(&con), 0);
	assert_false(con.raw);
	{
		uint8_t buf[4];
		unsigned ev;

		assert_int_equal(console_input_read(&con, buf, sizeof(buf), &ev), -EINVAL);
	}
	console_fini(&con);

	cfg->console.serial = CFG_SERIAL_FILE;
	strcpy(cfg->console.path, "/dev/null");
	assert_int_equal(console_init(&con, cfg), 0);
	assert_int_equal(console_input_fd(&con), -1);
	console_fini(&con);
	free(cfg);
}

/* A console reading from fd, as console_init would make it for serial = stdio. */
static struct console console_on(int fd)
{
	return (struct console){ .out_fd = -1, .in_fd = fd };
}

static void test_console_input_pipe(void **state)
{
	const char in[] = "a\r\x03\x7f" CA CA "b" CA;
	uint8_t buf[64];
	struct console con;
	unsigned ev;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	con = console_on(p[0]);
	/* not a terminal: nothing to change */
	assert_int_equal(console_input_start(&con), 0);
	assert_false(con.raw);
	assert_int_equal(write(p[1], in, sizeof(in) - 1), sizeof(in) - 1);
	assert_int_equal(console_input_read(&con, buf, sizeof(buf), &ev), 6);
	assert_memory_equal(buf, "a\r\x03\x7f" CA "b", 6);
	assert_int_equal(ev, 0);
	/* the input ends after a lone Ctrl-A: it reaches the guest */
	close(p[1]);
	assert_int_equal(console_input_read(&con, buf, sizeof(buf), &ev), 1);
	assert_int_equal(buf[0], CONSOLE_ESCAPE_CHAR);
	assert_int_equal(ev, CONSOLE_EV_EOF);
	assert_int_equal(console_input_read(&con, buf, sizeof(buf), &ev), 0);
	assert_int_equal(ev, CONSOLE_EV_EOF);
	/* too small a buffer for one byte and a held Ctrl-A */
	assert_int_equal(console_input_read(&con, buf, 1, &ev), -EINVAL);
	console_input_stop(&con);
	close(p[0]);
}

static void test_console_input_pipe_quit_and_help(void **state)
{
	const char in[] = "echo hi\r" CA "h" CA "x" "more";
	char help[512];
	uint8_t buf[64];
	struct console con;
	unsigned ev;
	int p[2], e[2], saved_err;
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(e), 0);
	con = console_on(p[0]);
	assert_int_equal(write(p[1], in, sizeof(in) - 1), sizeof(in) - 1);
	/* catch stderr for the help text */
	fflush(stderr);
	saved_err = dup(STDERR_FILENO);
	assert_true(saved_err >= 0);
	dup2(e[1], STDERR_FILENO);
	n = console_input_read(&con, buf, sizeof(buf), &ev);
	dup2(saved_err, STDERR_FILENO);
	close(saved_err);
	close(e[1]);
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "echo hi\r", 8);
	assert_int_equal(ev, CONSOLE_EV_QUIT | CONSOLE_EV_HELP);
	n = read(e[0], help, sizeof(help) - 1);
	assert_true(n > 0);
	help[n] = '\0';
	assert_non_null(strstr(help, "Ctrl-A"));
	assert_non_null(strstr(help, "x "));
	close(e[0]);
	close(p[0]);
	close(p[1]);
}

/* A pseudo-terminal pair, or a skip where the host has none. */
struct pty {
	int master, slave;
	struct termios orig;
};

static bool pty_open(struct pty *t)
{
	const char *name;

	t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->master < 0)
		return false;
	name = grantpt(t->master) || unlockpt(t->master) ? NULL : ptsname(t->master);
	t->slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	if (t->slave < 0 || tcgetattr(t->slave, &t->orig)) {
		close(t->master);
		if (t->slave >= 0)
			close(t->slave);
		return false;
	}
	return true;
}

static void pty_close(struct pty *t)
{
	close(t->slave);
	close(t->master);
}

static void assert_termios_equal(const struct termios *a, const struct termios *b)
{
	assert_int_equal(a->c_iflag, b->c_iflag);
	assert_int_equal(a->c_oflag, b->c_oflag);
	assert_int_equal(a->c_cflag, b->c_cflag);
	assert_int_equal(a->c_lflag, b->c_lflag);
	assert_memory_equal(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

static void test_console_raw_mode_on_pty(void **state)
{
	struct termios now;
	uint8_t buf[16];
	struct console con;
	struct pty t;
	unsigned ev;

	(void)state;
	if (!pty_open(&t))
		skip();
	/* the defaults a terminal starts with: what raw mode must undo */
	assert_true(t.orig.c_lflag & (ICANON | ECHO | ISIG));
	con = console_on(t.slave);
	assert_int_equal(console_input_start(&con), 0);
	assert_true(con.raw);
	assert_int_equal(tcgetattr(t.slave, &now), 0);
	assert_int_equal(now.c_lflag & (ICANON | ECHO | ECHONL | ISIG | IEXTEN), 0);
	assert_int_equal(now.c_iflag & (ICRNL | INLCR | IGNCR | IXON | ISTRIP | BRKINT), 0);
	assert_int_equal(now.c_cflag & CSIZE, CS8);
	assert_int_equal(now.c_cflag & PARENB, 0);
	assert_int_equal(now.c_cc[VMIN], 1);
	assert_int_equal(now.c_cc[VTIME], 0);
	assert_int_equal(now.c_oflag, t.orig.c_oflag);	/* output left alone */
	/* Enter arrives as CR, Ctrl-C as a byte, without a line end and without echo */
	assert_int_equal(write(t.master, "\r\x03q", 3), 3);
	assert_int_equal(console_input_read(&con, buf, sizeof(buf), &ev), 3);
	assert_memory_equal(buf, "\r\x03q", 3);
	assert_int_equal(ev, 0);
	/* start twice is harmless */
	assert_int_equal(console_input_start(&con), 0);
	console_input_stop(&con);
	assert_false(con.raw);
	assert_int_equal(tcgetattr(t.slave, &now), 0);
	assert_termios_equal(&now, &t.orig);
	console_input_stop(&con);	/* idempotent */
	/* console_fini restores too */
	assert_int_equal(console_input_start(&con), 0);
	console_fini(&con);
	assert_int_equal(tcgetattr(t.slave, &now), 0);
	assert_termios_equal(&now, &t.orig);
	pty_close(&t);
}

static void test_console_hangup_is_eof(void **state)
{
	uint8_t buf[8];
	struct console con;
	struct pty t;
	unsigned ev;

	(void)state;
	if (!pty_open(&t))
		skip();
	con = console_on(t.slave);
	assert_int_equal(console_input_start(&con), 0);
	assert_int_equal(write(t.master, "z" CA, 2), 2);
	assert_int_equal(console_input_read(&con, buf, sizeof(buf), &ev), 1);
	/* the terminal goes away: its reads fail with EIO, which is the end of input */
	close(t.master);
	assert_int_equal(console_input_read(&con, buf, sizeof(buf), &ev), 1);
	assert_int_equal(buf[0], CONSOLE_ESCAPE_CHAR);	/* the held Ctrl-A */
	assert_int_equal(ev, CONSOLE_EV_EOF);
	console_input_stop(&con);
	close(t.slave);
}

static void test_console_one_terminal_owner(void **state)
{
	struct console a, b;
	struct pty t;

	(void)state;
	if (!pty_open(&t))
		skip();
	a = console_on(t.slave);
	b = console_on(t.slave);
	assert_int_equal(console_input_start(&a), 0);
	assert_int_equal(console_input_start(&b), -EBUSY);
	assert_false(b.raw);
	console_input_stop(&b);		/* not the owner: changes nothing */
	assert_true(a.raw);
	console_input_stop(&a);
	assert_int_equal(console_input_start(&b), 0);
	console_input_stop(&b);
	pty_close(&t);
}

static void test_console_crash_handlers_removed_on_stop(void **state)
{
	struct sigaction before, during, after;
	struct console con;
	struct pty t;

	(void)state;
	if (!pty_open(&t))
		skip();
	sigaction(SIGSEGV, NULL, &before);
	con = console_on(t.slave);
	assert_int_equal(console_input_start(&con), 0);
	sigaction(SIGSEGV, NULL, &during);
	assert_ptr_not_equal((void *)during.sa_sigaction, (void *)before.sa_sigaction);
	console_input_stop(&con);
	sigaction(SIGSEGV, NULL, &after);
	assert_ptr_equal((void *)after.sa_sigaction, (void *)before.sa_sigaction);
	pty_close(&t);
}

enum child_end { END_ABORT, END_SEGV, END_EXIT };

/* Forks a child that puts the pty in raw mode and ends without stopping input. */
static int run_child(struct pty *t, enum child_end how)
{
	struct rlimit no_core = { 0, 0 };
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		struct console con = console_on(t->slave);
		struct termios now;
		int devnull = open("/dev/null", O_WRONLY);

		/* no core files, no sanitizer report in the test log, no cmocka handlers */
		setrlimit(RLIMIT_CORE, &no_core);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		if (console_input_start(&con) || tcgetattr(t->slave, &now) ||
		    (now.c_lflag & ICANON))
			_exit(100);	/* never got raw: the test would prove nothing */
		switch (how) {
		case END_ABORT:
			abort();
		case END_SEGV: {
			/* a real fault, not a kill(): the handler must let it fault again */
			volatile int *none = mmap(NULL, 4096, PROT_NONE,
						  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (none != MAP_FAILED)
				*none = 1;
			_exit(101);
		}
		case END_EXIT:
			exit(0);
		}
		_exit(102);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_console_crash_restores_terminal(void **state)
{
	struct termios now;
	struct pty t;
	int status;

	(void)state;
	if (!pty_open(&t))
		skip();
	status = run_child(&t, END_ABORT);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);	/* the default action still ran */
	assert_int_equal(tcgetattr(t.slave, &now), 0);
	assert_termios_equal(&now, &t.orig);

	status = run_child(&t, END_SEGV);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
	assert_int_equal(tcgetattr(t.slave, &now), 0);
	assert_termios_equal(&now, &t.orig);
	pty_close(&t);
}

static void test_console_exit_restores_terminal(void **state)
{
	struct termios now;
	struct pty t;
	int status;

	(void)state;
	if (!pty_open(&t))
		skip();
	status = run_child(&t, END_EXIT);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(tcgetattr(t.slave, &now), 0);
	assert_termios_equal(&now, &t.orig);
	pty_close(&t);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *write_one(void *arg)
{
	console_write(arg, "x", 1);
	return NULL;
}

/*
 * A stdout nobody reads (a full pipe) blocks the write; the vCPU's kick, a signal
 * without SA_RESTART, must get it out, or stopping the VM would wait forever.
 */
static void test_console_write_gives_up_on_a_signal(void **state)
{
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	struct console con = { .out_fd = -1, .in_fd = -1 };
	struct timespec until;
	char block[4096];
	pthread_t t;
	int p[2];

	(void)state;
	memset(block, 'y', sizeof(block));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	while (write(p[1], block, sizeof(block)) > 0)
		;
	assert_int_equal(fcntl(p[1], F_SETFL, 0), 0);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	con.out_fd = p[1];
	assert_int_equal(pthread_create(&t, NULL, write_one, &con), 0);
	usleep(50000);
	assert_int_equal(pthread_kill(t, SIGUSR1), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	assert_int_equal(pthread_timedjoin_np(t, NULL, &until), 0);
	sigaction(SIGUSR1, &old, NULL);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_write_gives_up_on_a_signal),
		cmocka_unit_test(test_escape_plain_bytes_pass),
		cmocka_unit_test(test_escape_quit),
		cmocka_unit_test(test_escape_double_sends_one),
		cmocka_unit_test(test_escape_help),
		cmocka_unit_test(test_escape_other_sends_both),
		cmocka_unit_test(test_escape_split_across_pieces),
		cmocka_unit_test(test_escape_end_releases_held),
		cmocka_unit_test(test_console_input_fd_by_config),
		cmocka_unit_test(test_console_input_pipe),
		cmocka_unit_test(test_console_input_pipe_quit_and_help),
		cmocka_unit_test(test_console_raw_mode_on_pty),
		cmocka_unit_test(test_console_hangup_is_eof),
		cmocka_unit_test(test_console_one_terminal_owner),
		cmocka_unit_test(test_console_crash_handlers_removed_on_stop),
		cmocka_unit_test(test_console_crash_restores_terminal),
		cmocka_unit_test(test_console_exit_restores_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
