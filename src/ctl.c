// SPDX-License-Identifier: Apache-2.0
/*
 * `rtvmm ctl` (see ctl.h): request building from the command line, the one-request
 * exchange with the control socket, and the tables printed from the reply.
 */
#include "ctl.h"

#include "clock.h"
#include "exit.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* A reply this large is not one the server sends: stop reading. */
#define CTL_REPLY_MAX (16u << 20)

static int usage_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A decimal without sign, as on the command line; -1 when it is not one. */
static long long decimal(const char *s)
{
	unsigned long long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (unsigned long long)INT64_MAX / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v > INT64_MAX ? -1 : (long long)v;
}

int ctl_request(int argc, char **argv, enum control_cmd *cmd, json_t **out, char *err,
		size_t errlen)
{
	const struct control_cmd_spec *spec;
	struct control_req req;
	unsigned nargs;
	json_t *o;

	*out = NULL;
	if (argc < 1)
		return usage_err(err, errlen, "no command (one of: %s)", control_cmd_names());
	spec = control_cmd_find(argv[0], cmd);
	if (!spec)
		return usage_err(err, errlen, "unknown command '%s' (one of: %s)", argv[0],
				 control_cmd_names());
	nargs = (unsigned)argc - 1;
	if (nargs > spec->nr_args || (nargs < spec->nr_args && !spec->optional))
		return usage_err(err, errlen, "%s takes %s%u argument%s, got %u", spec->name,
				 spec->optional ? "at most " : "", spec->nr_args,
				 spec->nr_args == 1 ? "" : "s", nargs);
	o = json_object();
	if (!o || json_object_set_new(o, "cmd", json_string(spec->name)))
		goto oom;
	for (unsigned i = 0; i < nargs; i++) {
		enum control_arg arg = spec->args[i];
		const char *text = argv[i + 1];
		json_t *v;

		if (arg == CONTROL_ARG_CPUS) {
			v = json_string(text);
		} else {
			long long n = decimal(text);

			if (n < 0) {
				json_decref(o);
				return usage_err(err, errlen, "%s: %s must be a number, not '%s'",
						 spec->name, control_arg_name(arg), text);
			}
			v = json_integer(n);
		}
		if (!v || json_object_set_new(o, control_arg_name(arg), v))
			goto oom;
	}
	/* the server's own checks, so that a bad value is a usage error here */
	if (control_parse_json(o, &req, err, errlen)) {
		json_decref(o);
		return -EINVAL;
	}
	*out = o;
	return 0;
oom:
	json_decref(o);
	return usage_err(err, errlen, "out of memory");
}

/* --- printing ------------------------------------------------------------------------- */

/* An integer field as text; "-" when it is null or missing. */
static const char *int_text(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return buf;
}

static const char *str_text(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "-";
}

/* Nanoseconds as seconds with three decimals; "-" when unknown. */
static const char *sec_text(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, len, "%.3f", (double)json_integer_value(v) / 1e9);
	return buf;
}

static void print_state(const json_t *reply, FILE *out)
{
	const json_t *vcpus = json_object_get(reply, "vcpus"), *v;
	size_t i;

	fprintf(out, "vm %s: %s\n", str_text(reply, "name"), str_text(reply, "state"));
	fprintf(out, "%-5s  %-8s  %-8s  %-4s  %-6s  %-4s  %-12s  %s\n", "vcpu", "state", "tid",
		"cpu", "policy", "prio", "affinity", "cgroup");
	json_array_foreach(vcpus, i, v) {
		char id[24], tid[24], cpu[24], prio[24];

		fprintf(out, "%-5s  %-8s  %-8s  %-4s  %-6s  %-4s  %-12s  %s\n",
			int_text(v, "id", id, sizeof(id)), str_text(v, "state"),
			int_text(v, "tid", tid, sizeof(tid)), int_text(v, "cpu", cpu, sizeof(cpu)),
			str_text(v, "policy"), int_text(v, "priority", prio, sizeof(prio)),
			str_text(v, "affinity"), str_text(v, "cgroup"));
	}
}

/* "io 12, intr 3": the exit reasons that occurred. */
static void exits_text(const json_t *exits, char *buf, size_t len)
{
	const char *key;
	const json_t *v;
	size_t n = 0;

	buf[0] = 0;
	json_object_foreach((json_t *)exits, key, v) {
		if (!json_is_integer(v) || !json_integer_value(v) || n >= len)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s %lld", n ? ", " : "", key,
				      (long long)json_integer_value(v));
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

static void print_stats(const json_t *reply, FILE *out)
{
	const json_t *vcpus = json_object_get(reply, "vcpus"), *v;
	size_t i;

	fprintf(out, "%-5s %10s %9s %9s %9s %8s %8s %8s %6s %4s %9s %9s %9s %9s  %s\n", "vcpu",
		"exits", "kvm_run_s", "on_cpu_s", "wait_s", "slices", "vol_sw", "invol_sw",
		"migr", "cpu", "bus_locks", "lock_s", "throttl_s", "unclaimed", "exits by reason");
	json_array_foreach(vcpus, i, v) {
		const json_t *host = json_object_get(v, "host");
		char b[15][32], reasons[512], unclaimed[64];

		exits_text(json_object_get(v, "exits"), reasons, sizeof(reasons));
		snprintf(unclaimed, sizeof(unclaimed), "%s/%s",
			 int_text(v, "io_unclaimed", b[12], sizeof(b[12])),
			 int_text(v, "mmio_unclaimed", b[13], sizeof(b[13])));
		fprintf(out, "%-5s %10s %9s %9s %9s %8s %8s %8s %6s %4s %9s %9s %9s %9s  %s\n",
			int_text(v, "id", b[0], sizeof(b[0])),
			int_text(v, "exits_total", b[1], sizeof(b[1])),
			sec_text(v, "kvm_run_ns", b[2], sizeof(b[2])),
			sec_text(host, "run_ns", b[3], sizeof(b[3])),
			sec_text(host, "wait_ns", b[4], sizeof(b[4])),
			int_text(host, "timeslices", b[5], sizeof(b[5])),
			int_text(host, "voluntary_switches", b[6], sizeof(b[6])),
			int_text(host, "involuntary_switches", b[7], sizeof(b[7])),
			int_text(host, "migrations", b[8], sizeof(b[8])),
			int_text(host, "last_cpu", b[9], sizeof(b[9])),
			int_text(v, "bus_locks", b[10], sizeof(b[10])),
			sec_text(v, "bus_lock_sleep_ns", b[11], sizeof(b[11])),
			sec_text(v, "throttle_ns", b[14], sizeof(b[14])), unclaimed, reasons);
	}
}

static void print_run_state(const json_t *reply, FILE *out)
{
	const json_t *vcpus = json_object_get(reply, "vcpus"), *v;
	size_t i;

	fprintf(out, "vm: %s\n", str_text(reply, "state"));
	json_array_foreach(vcpus, i, v) {
		char id[24];

		fprintf(out, "vcpu%s: %s\n", int_text(v, "id", id, sizeof(id)),
			str_text(v, "state"));
	}
}

static void print_results(enum control_cmd cmd, const json_t *reply, FILE *out)
{
	const json_t *vcpus = json_object_get(reply, "vcpus"), *v;
	size_t i;

	json_array_foreach(vcpus, i, v) {
		char id[24], prio[24], now[128];

		if (cmd == CONTROL_SET_AFFINITY)
			snprintf(now, sizeof(now), "affinity %s", str_text(v, "affinity"));
		else
			snprintf(now, sizeof(now), "%s priority %s", str_text(v, "policy"),
				 int_text(v, "priority", prio, sizeof(prio)));
		if (json_is_true(json_object_get(v, "ok")))
			fprintf(out, "vcpu%s: ok, %s\n", int_text(v, "id", id, sizeof(id)), now);
		else
			fprintf(out, "vcpu%s: failed: %s (now %s)\n",
				int_text(v, "id", id, sizeof(id)), str_text(v, "error"), now);
	}
}

int ctl_print(enum control_cmd cmd, const json_t *reply, FILE *out, FILE *errout)
{
	const json_t *ok = json_object_get(reply, "ok");
	char a[24], b[24];

	if (!json_is_boolean(ok)) {
		fprintf(errout, "rtvmm ctl: a reply without \"ok\": not an rtvmm control socket?\n");
		return 1;
	}
	switch (cmd) {
	case CONTROL_STATE:
		if (json_is_true(ok))
			print_state(reply, out);
		break;
	case CONTROL_STATS:
		if (json_is_true(ok))
			print_stats(reply, out);
		break;
	case CONTROL_PAUSE:
	case CONTROL_RESUME:
		if (json_object_get(reply, "vcpus"))
			print_run_state(reply, out);
		break;
	case CONTROL_STOP:
		if (json_is_true(ok))
			fprintf(out, "vm: %s\n", str_text(reply, "state"));
		break;
	case CONTROL_MAKE_RT:
	case CONTROL_SET_AFFINITY:
		print_results(cmd, reply, out);
		break;
	case CONTROL_THROTTLE:
		if (json_is_true(ok))
			fprintf(out, "vcpu%s: throttle of %s us queued\n",
				int_text(reply, "vcpu", a, sizeof(a)),
				int_text(reply, "us", b, sizeof(b)));
		break;
	default:
		break;
	}
	if (json_is_true(ok))
		return 0;
	fprintf(errout, "rtvmm ctl: %s\n", str_text(reply, "error"));
	return 1;
}

/* --- the exchange ----------------------------------------------------------------------- */

static int ctl_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "rtvmm ctl: %s: a socket path has at most %zu characters\n", path,
			sizeof(addr.sun_path) - 1);
		return -EINVAL;
	}
	memcpy(addr.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "rtvmm ctl: socket: %s\n", strerror(errno));
		return -errno;
	}
	if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr))) {
		int e = errno;

		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr, "rtvmm ctl: no VM is listening on %s (%s)\n", path,
				strerror(e));
		else
			fprintf(stderr, "rtvmm ctl: cannot connect to %s: %s\n", path,
				strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads up to the first newline, for at most CTL_TIMEOUT_MS. Returns 0 with *line. */
static int read_line(int fd, const char *path, char **line, size_t *len)
{
	int64_t deadline = (int64_t)clock_mono_ms() + CTL_TIMEOUT_MS;
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap), *nl = NULL;

	if (!buf)
		return -ENOMEM;
	while (!nl) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - (int64_t)clock_mono_ms();
		ssize_t got;
		int ret;

		if (left <= 0) {
			fprintf(stderr, "rtvmm ctl: no reply from %s within %d s\n", path,
				CTL_TIMEOUT_MS / 1000);
			goto err;
		}
		ret = poll(&p, 1, (int)left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			continue;	/* the deadline check above says it */
		if (n == cap) {
			char *bigger = cap < CTL_REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				fprintf(stderr, "rtvmm ctl: the reply from %s is too long\n", path);
				goto err;
			}
			buf = bigger;
			cap *= 2;
		}
		got = recv(fd, buf + n, cap - n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(stderr, "rtvmm ctl: %s closed the connection without a reply%s%s\n",
				path, got ? ": " : "", got ? strerror(errno) : "");
			goto err;
		}
		nl = memchr(buf + n, '\n', (size_t)got);
		n += (size_t)got;
	}
	*len = (size_t)(nl - buf);
	*line = buf;
	return 0;
err:
	free(buf);
	return -EIO;
}

int ctl_run(const char *socket_path, int argc, char **argv, bool json)
{
	enum control_cmd cmd;
	json_t *req, *reply;
	json_error_t jerr;
	char err[512], *out, *line = NULL;
	size_t out_len, len = 0;
	int fd, ret, code = 1;

	if (ctl_request(argc, argv, &cmd, &req, err, sizeof(err))) {
		fprintf(stderr, "rtvmm ctl: %s\n", err);
		return 2;
	}
	out = control_reply_dump(req, &out_len);
	json_decref(req);
	if (!out) {
		fprintf(stderr, "rtvmm ctl: out of memory\n");
		return 1;
	}
	fd = ctl_connect(socket_path);
	if (fd < 0) {
		free(out);
		return fd == -EINVAL ? 2 : 1;
	}
	ret = send_all(fd, out, out_len);
	if (ret) {
		fprintf(stderr, "rtvmm ctl: sending to %s: %s\n", socket_path, strerror(-ret));
		goto out;
	}
	if (read_line(fd, socket_path, &line, &len))
		goto out;
	if (json) {
		/* the reply as the server sent it: one line of JSON */
		printf("%.*s\n", (int)len, line);
		reply = json_loadb(line, len, 0, &jerr);
		code = reply && json_is_true(json_object_get(reply, "ok")) ? 0 : 1;
		json_decref(reply);
		goto out;
	}
	reply = json_loadb(line, len, 0, &jerr);
	if (!reply) {
		fprintf(stderr, "rtvmm ctl: the reply from %s is not JSON: %s\n", socket_path,
			jerr.text);
		goto out;
	}
	code = ctl_print(cmd, reply, stdout, stderr);
	json_decref(reply);
out:
	free(line);
	free(out);
	close(fd);
	return code;
}
