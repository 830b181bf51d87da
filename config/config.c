// SPDX-License-Identifier: Apache-2.0
/*
 * INI configuration: schema table, value parsers, and the glue to libinih. inih splits
 * lines; everything else is done here so that every error can name its line. inih's
 * handler gets no line number, so the text is fed to inih one line at a time through
 * our own reader, which counts lines, enforces the line limit (inih would silently split
 * a long line), and recognises section headers (inih calls nothing for a section that
 * has no keys, yet an empty "[vcpu.7]" must still be checked). Only the main thread
 * parses, before any other thread exists; the one piece of shared state touched is
 * inih's process-wide line limit, which is always set to the same value.
 */
#include "config.h"

#include "cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEMORY_MIN_BYTES (2ull << 20)
#define MEMORY_MAX_BYTES (1ull << 40)
#define MEMORY_ALIGN_BYTES 4096ull
#define HALT_POLL_MAX_NS 10000000000ll
#define BUS_LOCK_RATELIMIT_MAX 1000000u
#define NAME_MAX_CHARS (sizeof(((struct cfg *)0)->vm.name) - 1)
#define CONTROL_MAX_CHARS (sizeof(((struct cfg *)0)->vm.control) - 1)
#define CGROUP_MAX_CHARS (sizeof(((struct cfg_thread_sched *)0)->cgroup) - 1)
#define CMDLINE_MAX_CHARS (sizeof(((struct cfg *)0)->boot.cmdline) - 1)
/* Longest value shown back in a message; the rest is cut. */
#define SHOWN_VALUE_MAX 200

enum sec_kind {
	SEC_NONE = -1, /* keys before the first section header */
	SEC_VM,
	SEC_BOOT,
	SEC_MEMORY,
	SEC_SCHED,
	SEC_VCPU,
	SEC_PROBE,
	SEC_CONSOLE,
	SEC_COUNT,
};

/* In the order the documentation lists them, which is the order of "known sections". */
static const char *const sec_names[SEC_COUNT] = {
	[SEC_VM] = "vm",	 [SEC_BOOT] = "boot",	[SEC_MEMORY] = "memory",
	[SEC_SCHED] = "sched",	 [SEC_VCPU] = "vcpu.N", [SEC_PROBE] = "probe",
	[SEC_CONSOLE] = "console",
};

enum key_id {
	K_VM_NAME,
	K_VM_MEMORY,
	K_VM_VCPUS,
	K_VM_CONTROL,
	K_VM_STRICT,
	K_VM_ON_RESET,
	K_VM_SECCOMP,
	K_BOOT_KERNEL,
	K_BOOT_INITRD,
	K_BOOT_CMDLINE,
	K_BOOT_PAYLOAD,
	K_MEMORY_NUMA_NODE,
	K_MEMORY_HUGEPAGES,
	K_MEMORY_LOCK,
	K_MEMORY_PREFAULT,
	K_SCHED_POLICY,
	K_SCHED_RT_PRIORITY,
	K_SCHED_DELAY_RT,
	K_SCHED_BOOST_UCLAMP,
	K_SCHED_CORE_SCHEDULING,
	K_SCHED_CGROUP,
	K_SCHED_BUS_LOCK_RATELIMIT,
	K_SCHED_BUS_LOCK_SLICE_MS,
	K_SCHED_HALT_POLL_NS,
	K_SCHED_DISABLE_EXITS,
	K_SCHED_EMULATOR_CPUS,
	K_SCHED_CGROUP_RT_RUNTIME_US,
	K_VCPU_CPUS,
	K_PROBE_DURATION,
	K_PROBE_MODE,
	K_PROBE_THRESHOLD_US,
	K_PROBE_INTERVAL_US,
	K_CONSOLE_SERIAL,
	K_COUNT,
};

struct key_desc {
	const char *name;
	enum sec_kind sec;
	/* For [sched] keys that [vcpu.N] may override, and for cpus: the CFG_VCPU_SET_* bit.
	 * A [sched] key with 0 here is VM-wide. */
	unsigned vcpu_bit;
};

static const struct key_desc keys[K_COUNT] = {
	[K_VM_NAME] = { "name", SEC_VM, 0 },
	[K_VM_MEMORY] = { "memory", SEC_VM, 0 },
	[K_VM_VCPUS] = { "vcpus", SEC_VM, 0 },
	[K_VM_CONTROL] = { "control", SEC_VM, 0 },
	[K_VM_STRICT] = { "strict", SEC_VM, 0 },
	[K_VM_ON_RESET] = { "on_reset", SEC_VM, 0 },
	[K_VM_SECCOMP] = { "seccomp", SEC_VM, 0 },
	[K_BOOT_KERNEL] = { "kernel", SEC_BOOT, 0 },
	[K_BOOT_INITRD] = { "initrd", SEC_BOOT, 0 },
	[K_BOOT_CMDLINE] = { "cmdline", SEC_BOOT, 0 },
	[K_BOOT_PAYLOAD] = { "payload", SEC_BOOT, 0 },
	[K_MEMORY_NUMA_NODE] = { "numa_node", SEC_MEMORY, 0 },
	[K_MEMORY_HUGEPAGES] = { "hugepages", SEC_MEMORY, 0 },
	[K_MEMORY_LOCK] = { "lock", SEC_MEMORY, 0 },
	[K_MEMORY_PREFAULT] = { "prefault", SEC_MEMORY, 0 },
	[K_SCHED_POLICY] = { "policy", SEC_SCHED, CFG_VCPU_SET_POLICY },
	[K_SCHED_RT_PRIORITY] = { "rt_priority", SEC_SCHED, CFG_VCPU_SET_RT_PRIORITY },
	[K_SCHED_DELAY_RT] = { "delay_rt", SEC_SCHED, CFG_VCPU_SET_DELAY_RT },
	[K_SCHED_BOOST_UCLAMP] = { "boost_uclamp", SEC_SCHED, CFG_VCPU_SET_BOOST_UCLAMP },
	[K_SCHED_CORE_SCHEDULING] = { "core_scheduling", SEC_SCHED,
				      CFG_VCPU_SET_CORE_SCHEDULING },
	[K_SCHED_CGROUP] = { "cgroup", SEC_SCHED, CFG_VCPU_SET_CGROUP },
	[K_SCHED_BUS_LOCK_RATELIMIT] = { "bus_lock_ratelimit", SEC_SCHED, 0 },
	[K_SCHED_BUS_LOCK_SLICE_MS] = { "bus_lock_slice_ms", SEC_SCHED, 0 },
	[K_SCHED_HALT_POLL_NS] = { "halt_poll_ns", SEC_SCHED, 0 },
	[K_SCHED_DISABLE_EXITS] = { "disable_exits", SEC_SCHED, 0 },
	[K_SCHED_EMULATOR_CPUS] = { "emulator_cpus", SEC_SCHED, 0 },
	[K_SCHED_CGROUP_RT_RUNTIME_US] = { "cgroup_rt_runtime_us", SEC_SCHED, 0 },
	[K_VCPU_CPUS] = { "cpus", SEC_VCPU, CFG_VCPU_SET_CPUS },
	[K_PROBE_DURATION] = { "duration", SEC_PROBE, 0 },
	[K_PROBE_MODE] = { "mode", SEC_PROBE, 0 },
	[K_PROBE_THRESHOLD_US] = { "threshold_us", SEC_PROBE, 0 },
	[K_PROBE_INTERVAL_US] = { "interval_us", SEC_PROBE, 0 },
	[K_CONSOLE_SERIAL] = { "serial", SEC_CONSOLE, 0 },
};

/* Number of CFG_VCPU_SET_* bits, for per-vCPU duplicate tracking. */
#define VCPU_KEY_SLOTS 7

static const char *const policy_names[] = { "other", "rr", "fifo" };
static const char *const core_sched_names[] = { "off", "vcpu", "vm" };
static const char *const hugepages_names[] = { "off", "thp", "2M", "1G" };
static const char *const on_reset_names[] = { "exit", "reboot" };
static const char *const seccomp_names[] = { "on", "log", "off" };
static const char *const payload_names[] = { "none", "probe", "file" };
static const char *const probe_mode_names[] = { "noise", "wake" };
static const char *const serial_names[] = { "stdio", "null", "file" };

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* disable_exits words, in the order they are documented and formatted. */
static const struct {
	const char *name;
	unsigned bit;
} exit_names[] = {
	{ "hlt", CFG_EXIT_HLT },
	{ "pause", CFG_EXIT_PAUSE },
	{ "mwait", CFG_EXIT_MWAIT },
	{ "cstate", CFG_EXIT_CSTATE },
};

/* A section as named in the file: which kind, which vCPU, and its text for messages. */
struct section {
	enum sec_kind kind;
	int vcpu; /* for SEC_VCPU */
	char name[64];
};

/* State of one cfg_parse_string()/cfg_parse_file() call. */
struct parse_ctx {
	struct cfg *cfg;
	struct cfg_error *err;
	const char *file; /* name used in messages */
	const char *pos;  /* next unread character of the text */
	unsigned line;	  /* number of the line last handed to inih */
	bool failed;	  /* err holds the first error; stop reading */
	struct section cur;
	unsigned sec_line[SEC_COUNT];		/* header line per section, 0 = not seen */
	unsigned vcpu_sec_line[CFG_MAX_VCPUS];	/* same for [vcpu.N] */
	unsigned key_line[K_COUNT];		/* first line of each key, 0 = not seen */
	unsigned vcpu_key_line[CFG_MAX_VCPUS][VCPU_KEY_SLOTS];
};

/* Copy @src into @dst of @size bytes, cutting it if needed; always terminated. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Fill @err and return -EINVAL. The message is "FILE:LINE: BODY" ("FILE: BODY" when
 * @line is 0); BODY comes from @fmt.
 */
__attribute__((format(printf, 7, 8))) static int fail(struct cfg_error *err, const char *file,
							 unsigned line, const char *section,
							 const char *key, const char *value,
							 const char *fmt, ...)
{
	char body[sizeof(err->msg)];
	va_list ap;
	int n;

	memset(err, 0, sizeof(*err));
	copy_str(err->file, sizeof(err->file), file);
	err->line = line;
	copy_str(err->section, sizeof(err->section), section ? section : "");
	copy_str(err->key, sizeof(err->key), key ? key : "");
	copy_str(err->value, sizeof(err->value), value ? value : "");
	va_start(ap, fmt);
	n = vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (n < 0)
		body[0] = '\0';
	if (line)
		n = snprintf(err->msg, sizeof(err->msg), "%s:%u: %s", file, line, body);
	else
		n = snprintf(err->msg, sizeof(err->msg), "%s: %s", file, body);
	if (n < 0)
		err->msg[0] = '\0';
	return -EINVAL;
}

static int fail_value(struct cfg_error *err, const char *file, unsigned line, const char *section,
		      const char *key, const char *value, const char *expected)
{
	return fail(err, file, line, section, key, value, "[%s] %s = '%.*s%s': expected %s",
		    section, key, SHOWN_VALUE_MAX, value,
		    strlen(value) > SHOWN_VALUE_MAX ? "..." : "", expected);
}

/* ---- value parsers: 0 or -EINVAL/-ERANGE, no messages ---- */

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	/* Only plain decimal: "0x10", "+5", "-1" and "1e3" are all rejected. */
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*s)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int ret = parse_u64(s, min, max, &v);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < N_ELEMS(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Index of @s in @names (case-insensitive), or -EINVAL. */
static int parse_enum(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(s, names[i]))
			return (int)i;
	return -EINVAL;
}

int cfg_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = 1ull << 10;
		break;
	case 'm':
	case 'M':
		mult = 1ull << 20;
		break;
	case 'g':
	case 'G':
		mult = 1ull << 30;
		break;
	case 't':
	case 'T':
		mult = 1ull << 40;
		break;
	default:
		return -EINVAL;
	}
	if (*p && p[1])
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*bytes = v * mult;
	return 0;
}

/* A VM name ends up in thread names, socket and cgroup paths: keep it to a safe set. */
static bool name_char_ok(char c, bool first)
{
	if (isalnum((unsigned char)c) || c == '_')
		return true;
	return !first && (c == '.' || c == '-');
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_CHARS)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok(s[i], i == 0))
			return false;
	return true;
}

/*
 * A cgroup path below the root: no leading '/', no empty, "." or ".." component (the
 * VMM must not be talked into leaving its hierarchy), no blanks or control characters.
 */
static bool cgroup_ok(const char *s)
{
	const char *c = s;

	if (strlen(s) > CGROUP_MAX_CHARS)
		return false;
	if (*s == '\0')
		return true;
	for (;;) {
		size_t len = strcspn(c, "/");

		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		for (size_t i = 0; i < len; i++)
			if (isspace((unsigned char)c[i]) || iscntrl((unsigned char)c[i]))
				return false;
		if (c[len] == '\0')
			return true;
		c += len + 1;
	}
}

/*
 * Resolve @p against @dir into @out: absolute paths and an empty or "." @dir leave it
 * as written. Returns 0 or -ENAMETOOLONG.
 */
static int resolve_path(const char *dir, const char *p, char *out, size_t len)
{
	int n;

	if (p[0] == '/' || dir[0] == '\0' || !strcmp(dir, "."))
		n = snprintf(out, len, "%s", p);
	else
		n = snprintf(out, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", p);
	if (n < 0 || (size_t)n >= len) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

static int parse_disable_exits(const char *s, unsigned *mask)
{
	unsigned m = 0;
	const char *p = s;

	if (*s == '\0' || !strcasecmp(s, "none")) {
		*mask = 0;
		return 0;
	}
	for (;;) {
		size_t len, i;

		while (*p == ' ' || *p == '\t')
			p++;
		len = strcspn(p, ", \t");
		for (i = 0; i < N_ELEMS(exit_names); i++)
			if (strlen(exit_names[i].name) == len &&
			    !strncasecmp(p, exit_names[i].name, len))
				break;
		if (i == N_ELEMS(exit_names))
			return -EINVAL;
		m |= exit_names[i].bit;
		p += len;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	*mask = m;
	return 0;
}

int cfg_disable_exits_format(unsigned mask, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (mask == 0) {
		if (len < sizeof("none"))
			return -ENOSPC;
		memcpy(buf, "none", sizeof("none"));
		return (int)strlen(buf);
	}
	for (size_t i = 0; i < N_ELEMS(exit_names); i++) {
		int n;

		if (!(mask & exit_names[i].bit))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", exit_names[i].name);
		if (n < 0 || (size_t)n >= len - used) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		used += (size_t)n;
	}
	return (int)used;
}

/* ---- sections and keys ---- */

/*
 * Recognise a section name. Returns 0; -ENOENT for a name that is no section;
 * -EINVAL for "vcpu." followed by anything but 0..CFG_MAX_VCPUS-1 without leading zeros
 * (so that [vcpu.1] and [vcpu.01] cannot both exist).
 */
static int parse_section(const char *name, struct section *sec)
{
	copy_str(sec->name, sizeof(sec->name), name);
	sec->vcpu = -1;
	if (!strncmp(name, "vcpu.", 5)) {
		const char *n = name + 5;
		uint64_t v;

		sec->kind = SEC_VCPU;
		if ((n[0] == '0' && n[1] != '\0') || parse_u64(n, 0, CFG_MAX_VCPUS - 1, &v))
			return -EINVAL;
		sec->vcpu = (int)v;
		return 0;
	}
	for (int i = 0; i < SEC_COUNT; i++) {
		if (i != SEC_VCPU && !strcmp(name, sec_names[i])) {
			sec->kind = (enum sec_kind)i;
			return 0;
		}
	}
	return -ENOENT;
}

static int fail_section(struct cfg_error *err, const char *file, unsigned line,
			const char *name, int why)
{
	char known[128];
	size_t used = 0;

	if (why == -EINVAL)
		return fail(err, file, line, name, NULL, NULL,
			    "[%s] expected a section name vcpu.N with N from 0 to %d", name,
			    CFG_MAX_VCPUS - 1);
	known[0] = '\0';
	for (int i = 0; i < SEC_COUNT; i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
					 i ? ", " : "", sec_names[i]);
	return fail(err, file, line, name, NULL, NULL,
		    "unknown section [%s] (known sections: %s)", name, known);
}

static bool key_in_section(enum key_id k, enum sec_kind sec)
{
	if (sec == SEC_VCPU)
		return keys[k].sec == SEC_VCPU || (keys[k].sec == SEC_SCHED && keys[k].vcpu_bit);
	return keys[k].sec == sec;
}

/* The key @name in @sec, or -ENOENT; -EPERM for a VM-wide [sched] key in [vcpu.N]. */
static int find_key(enum sec_kind sec, const char *name)
{
	for (int k = 0; k < K_COUNT; k++) {
		if (strcmp(keys[k].name, name))
			continue;
		if (key_in_section((enum key_id)k, sec))
			return k;
		if (sec == SEC_VCPU && keys[k].sec == SEC_SCHED)
			return -EPERM;
	}
	return -ENOENT;
}

static int fail_unknown_key(struct cfg_error *err, const char *file, unsigned line,
			    const struct section *sec, const char *key, const char *value)
{
	char known[512];
	size_t used = 0;

	known[0] = '\0';
	/* cpus first in [vcpu.N]: it is the key that section exists for. */
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < K_COUNT; k++) {
			if (!key_in_section((enum key_id)k, sec->kind))
				continue;
			if ((keys[k].sec == sec->kind) != (pass == 0))
				continue;
			used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
						 used ? ", " : "", keys[k].name);
		}
	}
	return fail(err, file, line, sec->name, key, value,
		    "[%s] unknown key '%s' (known keys: %s)", sec->name, key, known);
}

static unsigned vcpu_slot(unsigned bit)
{
	return (unsigned)__builtin_ctz(bit);
}

/*
 * Store @v into the field of key @k (of vCPU @vcpu for per-vCPU keys, or [sched] when
 * @vcpu < 0). Relative paths are resolved against @base. On error, returns -EINVAL and
 * writes what was expected to @expected.
 */
static int apply_key(struct cfg *cfg, enum key_id k, int vcpu, const char *v, const char *base,
		     char *expected, size_t elen)
{
	struct cfg_thread_sched *ts = vcpu >= 0 ? &cfg->vcpu[vcpu].sched : &cfg->sched.defaults;
	const char *what = NULL;
	uint64_t u64;
	cpu_set_t set;
	bool b;
	int i;

	switch (k) {
	case K_VM_NAME:
		if (!name_ok(v)) {
			what = "a name of 1 to 63 characters from A-Z a-z 0-9 _ . - (not starting "
			       "with . or -)";
			break;
		}
		copy_str(cfg->vm.name, sizeof(cfg->vm.name), v);
		break;
	case K_VM_MEMORY:
		i = cfg_parse_size(v, &u64);
		if (i == -EINVAL)
			what = "a size such as 512M or 2G (suffixes K, M, G, T)";
		else if (i || u64 < MEMORY_MIN_BYTES || u64 > MEMORY_MAX_BYTES)
			what = "a size from 2M to 1T";
		else if (u64 % MEMORY_ALIGN_BYTES)
			what = "a multiple of 4K";
		else
			cfg->vm.memory_bytes = u64;
		break;
	case K_VM_VCPUS:
		if (parse_u64(v, 1, CFG_MAX_VCPUS, &u64))
			what = "an integer from 1 to 256";
		else
			cfg->vm.vcpus = (unsigned)u64;
		break;
	case K_VM_CONTROL:
		if (resolve_path(base, v, cfg->vm.control, sizeof(cfg->vm.control)))
			what = "a socket path of at most 107 characters (after resolving it "
			       "against the config's folder), or empty for no socket";
		break;
	case K_VM_STRICT:
		if (parse_bool(v, &b))
			what = "a boolean: true, false, yes, no, on, off, 1 or 0";
		else
			cfg->vm.strict = b;
		break;
	case K_VM_ON_RESET:
		i = parse_enum(v, on_reset_names, N_ELEMS(on_reset_names));
		if (i < 0)
			what = "one of exit, reboot";
		else
			cfg->vm.on_reset = (enum cfg_on_reset)i;
		break;
	case K_VM_SECCOMP:
		i = parse_enum(v, seccomp_names, N_ELEMS(seccomp_names));
		if (i < 0)
			what = "one of on, log, off";
		else
			cfg->vm.seccomp = (enum cfg_seccomp)i;
		break;
	case K_BOOT_KERNEL:
		if (resolve_path(base, v, cfg->boot.kernel, sizeof(cfg->boot.kernel)))
			what = "a path of at most 4095 characters";
		break;
	case K_BOOT_INITRD:
		if (resolve_path(base, v, cfg->boot.initrd, sizeof(cfg->boot.initrd)))
			what = "a path of at most 4095 characters";
		break;
	case K_BOOT_CMDLINE:
		if (strlen(v) > CMDLINE_MAX_CHARS)
			what = "a command line of at most 2047 characters";
		else
			copy_str(cfg->boot.cmdline, sizeof(cfg->boot.cmdline), v);
		break;
	case K_BOOT_PAYLOAD:
		cfg->boot.payload_path[0] = '\0';
		if (*v == '\0') {
			cfg->boot.payload = CFG_PAYLOAD_NONE;
		} else if (!strcasecmp(v, "probe")) {
			cfg->boot.payload = CFG_PAYLOAD_PROBE;
		} else if (resolve_path(base, v, cfg->boot.payload_path,
					sizeof(cfg->boot.payload_path))) {
			cfg->boot.payload = CFG_PAYLOAD_NONE;
			what = "probe or a path of at most 4095 characters";
		} else {
			cfg->boot.payload = CFG_PAYLOAD_FILE;
		}
		break;
	case K_MEMORY_NUMA_NODE:
		if (!strcasecmp(v, "auto"))
			cfg->memory.numa_node = CFG_NUMA_AUTO;
		else if (!strcasecmp(v, "none"))
			cfg->memory.numa_node = CFG_NUMA_NONE;
		else if (parse_u64(v, 0, CFG_MAX_NUMA_NODE, &u64))
			what = "auto, none or a node number from 0 to 1023";
		else
			cfg->memory.numa_node = (int)u64;
		break;
	case K_MEMORY_HUGEPAGES:
		i = parse_enum(v, hugepages_names, N_ELEMS(hugepages_names));
		if (i < 0)
			what = "one of off, thp, 2M, 1G";
		else
			cfg->memory.hugepages = (enum cfg_hugepages)i;
		break;
	case K_MEMORY_LOCK:
	case K_MEMORY_PREFAULT:
		if (parse_bool(v, &b))
			what = "a boolean: true, false, yes, no, on, off, 1 or 0";
		else if (k == K_MEMORY_LOCK)
			cfg->memory.lock = b;
		else
			cfg->memory.prefault = b;
		break;
	case K_SCHED_POLICY:
		i = parse_enum(v, policy_names, N_ELEMS(policy_names));
		if (i < 0)
			what = "one of other, rr, fifo";
		else
			ts->policy = (enum cfg_policy)i;
		break;
	case K_SCHED_RT_PRIORITY:
		if (parse_u64(v, 1, 99, &u64))
			what = "an integer from 1 to 99";
		else
			ts->rt_priority = (int)u64;
		break;
	case K_SCHED_DELAY_RT:
	case K_SCHED_BOOST_UCLAMP:
		if (parse_bool(v, &b))
			what = "a boolean: true, false, yes, no, on, off, 1 or 0";
		else if (k == K_SCHED_DELAY_RT)
			ts->delay_rt = b;
		else
			ts->boost_uclamp = b;
		break;
	case K_SCHED_CORE_SCHEDULING:
		i = parse_enum(v, core_sched_names, N_ELEMS(core_sched_names));
		if (i < 0)
			what = "one of off, vcpu, vm";
		else
			ts->core_scheduling = (enum cfg_core_sched)i;
		break;
	case K_SCHED_CGROUP:
		if (!cgroup_ok(v))
			what = "a cgroup path relative to the cgroup root, such as rtvmm/rt-guest "
			       "(no leading '/', no '.' or '..' components, no blanks, at most "
			       "255 characters), or empty to stay";
		else
			copy_str(ts->cgroup, sizeof(ts->cgroup), v);
		break;
	case K_SCHED_BUS_LOCK_RATELIMIT:
		if (parse_u32(v, 0, BUS_LOCK_RATELIMIT_MAX, &cfg->sched.bus_lock_ratelimit))
			what = "an integer from 0 to 1000000 (bus locks per second; 0 = unlimited)";
		break;
	case K_SCHED_BUS_LOCK_SLICE_MS:
		if (parse_u32(v, 1, 60000, &cfg->sched.bus_lock_slice_ms))
			what = "an integer from 1 to 60000 (milliseconds)";
		break;
	case K_SCHED_HALT_POLL_NS:
		if (*v == '\0')
			cfg->sched.halt_poll_ns = CFG_HALT_POLL_DEFAULT;
		else if (parse_u64(v, 0, HALT_POLL_MAX_NS, &u64))
			what = "an integer from 0 to 10000000000 (nanoseconds), or empty for the "
			       "host's default";
		else
			cfg->sched.halt_poll_ns = (int64_t)u64;
		break;
	case K_SCHED_DISABLE_EXITS:
		if (parse_disable_exits(v, &cfg->sched.disable_exits))
			what = "a comma-separated list of hlt, pause, mwait, cstate, or none";
		break;
	case K_SCHED_EMULATOR_CPUS:
		if (*v == '\0') {
			cfg->sched.emulator_cpus_set = false;
			CPU_ZERO(&cfg->sched.emulator_cpus);
		} else if (cpulist_parse(v, &set)) {
			what = "a CPU list such as 0, 0-3 or 0,2-3 (CPUs 0 to 1023), or empty for "
			       "no pinning";
		} else {
			cfg->sched.emulator_cpus_set = true;
			cfg->sched.emulator_cpus = set;
		}
		break;
	case K_SCHED_CGROUP_RT_RUNTIME_US:
		if (parse_u32(v, 0, 1000000, &cfg->sched.cgroup_rt_runtime_us))
			what = "an integer from 0 to 1000000 (microseconds)";
		break;
	case K_VCPU_CPUS:
		if (!strcasecmp(v, "auto")) {
			cfg->vcpu[vcpu].cpus_auto = true;
			CPU_ZERO(&cfg->vcpu[vcpu].cpus);
		} else if (cpulist_parse(v, &set)) {
			what = "auto or a CPU list such as 2, 2-3 or 1,3 (CPUs 0 to 1023)";
		} else {
			cfg->vcpu[vcpu].cpus_auto = false;
			cfg->vcpu[vcpu].cpus = set;
		}
		break;
	case K_PROBE_DURATION:
		if (parse_u32(v, 1, 86400, &cfg->probe.duration_s))
			what = "an integer from 1 to 86400 (seconds)";
		break;
	case K_PROBE_MODE:
		i = parse_enum(v, probe_mode_names, N_ELEMS(probe_mode_names));
		if (i < 0)
			what = "one of noise, wake";
		else
			cfg->probe.mode = (enum cfg_probe_mode)i;
		break;
	case K_PROBE_THRESHOLD_US:
		if (parse_u32(v, 1, 1000000, &cfg->probe.threshold_us))
			what = "an integer from 1 to 1000000 (microseconds)";
		break;
	case K_PROBE_INTERVAL_US:
		if (parse_u32(v, 10, 1000000, &cfg->probe.interval_us))
			what = "an integer from 10 to 1000000 (microseconds)";
		break;
	case K_CONSOLE_SERIAL:
		if (!strcasecmp(v, "stdio")) {
			cfg->console.serial = CFG_SERIAL_STDIO;
			cfg->console.path[0] = '\0';
		} else if (!strcasecmp(v, "null")) {
			cfg->console.serial = CFG_SERIAL_NULL;
			cfg->console.path[0] = '\0';
		} else if (strncasecmp(v, "file:", 5) || v[5] == '\0' ||
			   resolve_path(base, v + 5, cfg->console.path,
					sizeof(cfg->console.path))) {
			what = "stdio, null or file:PATH (a non-empty path of at most 4095 "
			       "characters)";
		} else {
			cfg->console.serial = CFG_SERIAL_FILE;
		}
		break;
	case K_COUNT:
		break;
	}
	if (what) {
		copy_str(expected, elen, what);
		return -EINVAL;
	}
	return 0;
}

/*
 * Set key @name of section @sec to @value, coming from @origin (a line or CFG_LINE_SET).
 * @file and @line locate it for messages. The file parser checks duplicates before.
 */
static int set_key(struct cfg *cfg, const struct section *sec, const char *name,
		   const char *value, const char *base, unsigned origin, const char *file,
		   unsigned line, struct cfg_error *err)
{
	char expected[256];
	int k = find_key(sec->kind, name);

	if (k == -EPERM)
		return fail(err, file, line, sec->name, name, value,
			    "[%s] %s = '%.*s': %s is VM-wide; set it in [sched]", sec->name, name,
			    SHOWN_VALUE_MAX, value, name);
	if (k < 0)
		return fail_unknown_key(err, file, line, sec, name, value);
	if (apply_key(cfg, (enum key_id)k, sec->vcpu, value, base, expected, sizeof(expected)))
		return fail_value(err, file, line, sec->name, name, value, expected);
	if (sec->kind == SEC_VCPU) {
		struct cfg_vcpu *vc = &cfg->vcpu[sec->vcpu];

		vc->set_mask |= keys[k].vcpu_bit;
		if (vc->section_line == CFG_LINE_DEFAULT)
			vc->section_line = origin;
	}
	switch (k) {
	case K_BOOT_KERNEL:
		cfg->boot.lines.kernel = origin;
		break;
	case K_BOOT_INITRD:
		cfg->boot.lines.initrd = origin;
		break;
	case K_BOOT_CMDLINE:
		cfg->boot.lines.cmdline = origin;
		break;
	case K_BOOT_PAYLOAD:
		cfg->boot.lines.payload = origin;
		break;
	default:
		break;
	}
	return 0;
}

/* ---- the INI file through inih ---- */

/*
 * A section header line, as inih will read it: '[' then everything up to ']', unless an
 * inline comment (';' after a blank) comes first. Returns 0 and the name, or -EINVAL
 * when there is no ']' or something other than a comment follows it.
 */
static int split_header(const char *line, char *name, size_t len, bool *unterminated)
{
	const char *p = line + 1, *end;
	bool was_space = false;
	size_t n;

	while (*p && *p != ']' && !(was_space && *p == ';')) {
		was_space = isspace((unsigned char)*p);
		p++;
	}
	*unterminated = *p != ']';
	if (*unterminated)
		return -EINVAL;
	end = p;
	n = (size_t)(end - (line + 1));
	if (n >= len)
		n = len - 1;
	memcpy(name, line + 1, n);
	name[n] = '\0';
	for (p++; *p && isspace((unsigned char)*p); p++)
		;
	return *p && *p != ';' && *p != '#' ? -EINVAL : 0;
}

static int on_header(struct parse_ctx *ctx, const char *line)
{
	char name[CFG_LINE_MAX + 1];
	struct section sec;
	unsigned *first;
	bool unterminated;
	int ret;

	if (split_header(line, name, sizeof(name), &unterminated)) {
		if (unterminated)
			return fail(ctx->err, ctx->file, ctx->line, NULL, NULL, NULL,
				    "expected ']' to close the section header");
		return fail(ctx->err, ctx->file, ctx->line, name, NULL, NULL,
			    "[%s] expected nothing after the section header but a comment", name);
	}
	ret = parse_section(name, &sec);
	if (ret)
		return fail_section(ctx->err, ctx->file, ctx->line, name, ret);
	first = sec.kind == SEC_VCPU ? &ctx->vcpu_sec_line[sec.vcpu] : &ctx->sec_line[sec.kind];
	if (*first)
		return fail(ctx->err, ctx->file, ctx->line, sec.name, NULL, NULL,
			    "[%s] expected each section once (first at line %u)", sec.name, *first);
	*first = ctx->line;
	if (sec.kind == SEC_VCPU)
		ctx->cfg->vcpu[sec.vcpu].section_line = ctx->line;
	else if (sec.kind == SEC_BOOT)
		ctx->cfg->boot.lines.section = ctx->line;
	ctx->cur = sec;
	return 0;
}

/*
 * inih's reader: hand over one line at a time so that ctx->line is the line inih is
 * processing when it calls on_key(). Returning NULL ends the parse; that is how the
 * first error stops it.
 */
static char *read_line(char *buf, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	const char *start = ctx->pos, *nl;
	size_t len, content, limit;

	if (ctx->failed || *start == '\0')
		return NULL;
	nl = strchr(start, '\n');
	len = nl ? (size_t)(nl - start) : strlen(start);
	ctx->pos = start + len + (nl ? 1 : 0);
	ctx->line++;
	content = len && start[len - 1] == '\r' ? len - 1 : len;
	/* inih wants room for "\r\n\0"; respect a smaller buffer than asked for, too. */
	limit = num > 3 ? (size_t)num - 3 : 0;
	if (limit > CFG_LINE_MAX)
		limit = CFG_LINE_MAX;
	if (content > limit) {
		ctx->failed = true;
		fail(ctx->err, ctx->file, ctx->line, NULL, NULL, NULL,
		     "expected a line of at most %zu characters", limit);
		return NULL;
	}
	/*
	 * With leading blanks inih would take the line as the continuation of the previous
	 * value (Python-style multi-line values); an indented key must stay a key. inih
	 * also drops a UTF-8 BOM that starts line 1: drop them here, so that what inih
	 * gets starts with exactly what on_header() checks.
	 */
	for (;;) {
		while (len && isspace((unsigned char)*start)) {
			start++;
			len--;
		}
		if (ctx->line != 1 || len < 3 || memcmp(start, "\xef\xbb\xbf", 3))
			break;
		start += 3;
		len -= 3;
	}
	memcpy(buf, start, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	if (buf[0] == '[' && on_header(ctx, buf)) {
		ctx->failed = true;
		return NULL;
	}
	return buf;
}

/* inih's handler: returns 1 to go on, 0 on error (inih then reports this line). */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *ctx = user;
	struct cfg *cfg = ctx->cfg;
	unsigned *first;
	int k;

	if (ctx->failed)
		return 0;
	if (name[0] == '\0')
		goto syntax;
	/* read_line() saw every header inih did and checked it; should the two ever
	 * disagree, refuse rather than file the key under the wrong section. */
	if (strcmp(section, ctx->cur.name)) {
		fail(ctx->err, ctx->file, ctx->line, section, name, value,
		     "[%s] section header not understood (read as [%s])", section,
		     ctx->cur.name);
		goto err;
	}
	if (ctx->cur.kind == SEC_NONE) {
		fail(ctx->err, ctx->file, ctx->line, NULL, name, value,
		     "key '%s' is outside any section: expected a '[section]' line before it",
		     name);
		goto err;
	}
	k = find_key(ctx->cur.kind, name);
	if (k >= 0) {
		if (ctx->cur.kind == SEC_VCPU)
			first = &ctx->vcpu_key_line[ctx->cur.vcpu][vcpu_slot(keys[k].vcpu_bit)];
		else
			first = &ctx->key_line[k];
		if (*first) {
			fail(ctx->err, ctx->file, ctx->line, ctx->cur.name, name, value,
			     "[%s] %s = '%.*s': duplicate key, first set at line %u",
			     ctx->cur.name, name, SHOWN_VALUE_MAX, value, *first);
			goto err;
		}
		*first = ctx->line;
	}
	if (set_key(cfg, &ctx->cur, name, value, cfg->dir, ctx->line, ctx->file, ctx->line,
		    ctx->err))
		goto err;
	return 1;
syntax:
	fail(ctx->err, ctx->file, ctx->line, NULL, NULL, NULL,
	     "expected '[section]' or 'key = value'");
err:
	ctx->failed = true;
	return 0;
}

static int parse_text(struct cfg *cfg, const char *text, struct cfg_error *err)
{
	struct parse_ctx *ctx;
	int ret;

	/* Large (per-vCPU duplicate tracking): off the stack. */
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		fail(err, cfg->path, 0, NULL, NULL, NULL, "out of memory");
		return -ENOMEM;
	}
	ctx->cfg = cfg;
	ctx->err = err;
	ctx->file = cfg->path;
	ctx->pos = text;
	ctx->cur.kind = SEC_NONE;
	ctx->cur.vcpu = -1;

	/* Debian's libinih sizes its line buffer from this global on each call; our
	 * reader enforces CFG_LINE_MAX itself. +3: inih's "\r\n\0" (see ini.h). */
	ini_max_line = CFG_LINE_MAX + 3;
	ret = ini_parse_stream(read_line, ctx, on_key, ctx);
	if (ret < 0) {
		fail(err, cfg->path, 0, NULL, NULL, NULL, "out of memory");
		ret = -ENOMEM;
	} else if (ret > 0 && (!ctx->failed || (unsigned)ret < err->line)) {
		/* inih found a line it could not split before any error of ours: no
		 * '=' or ':' (section headers never reach inih unchecked). */
		ret = fail(err, cfg->path, (unsigned)ret, NULL, NULL, NULL,
			   "expected '[section]' or 'key = value'");
	} else {
		ret = ctx->failed ? -EINVAL : 0;
	}
	free(ctx);
	return ret;
}

int cfg_parse_string(struct cfg *cfg, const char *text, const char *display_name,
		     const char *base_dir, struct cfg_error *err)
{
	copy_str(cfg->path, sizeof(cfg->path), display_name ? display_name : "");
	copy_str(cfg->dir, sizeof(cfg->dir), base_dir ? base_dir : "");
	return parse_text(cfg, text, err);
}

/* Read at most CFG_FILE_MAX bytes of @fd into a NUL-terminated heap buffer. */
static int read_all(int fd, char **out, size_t *out_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *bigger;

			if (cap > CFG_FILE_MAX) {
				free(buf);
				return -EFBIG;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CFG_FILE_MAX) {
		free(buf);
		return -EFBIG;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

int cfg_parse_file(struct cfg *cfg, const char *path, struct cfg_error *err)
{
	char *text = NULL, *nul, *slash;
	size_t len = 0;
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(cfg->path)) {
		fail(err, path, 0, NULL, NULL, NULL, "cannot read: %s", strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	copy_str(cfg->path, sizeof(cfg->path), path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		fail(err, path, 0, NULL, NULL, NULL, "cannot read: %s", strerror(-ret));
		return ret;
	}
	/* read() on a directory fails with EISDIR only on some filesystems; say it plainly. */
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		ret = -EISDIR;
	else
		ret = read_all(fd, &text, &len);
	close(fd);
	if (ret) {
		fail(err, path, 0, NULL, NULL, NULL, "cannot read: %s%s", strerror(-ret),
		     ret == -EFBIG ? " (a config file is at most 1 MiB)" : "");
		return ret;
	}
	/* A NUL would end the text early and silently drop the rest of the file. */
	nul = memchr(text, '\0', len);
	if (nul) {
		unsigned line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		free(text);
		return fail(err, path, line, NULL, NULL, NULL,
			    "expected text, found a NUL byte");
	}
	copy_str(cfg->dir, sizeof(cfg->dir), path);
	slash = strrchr(cfg->dir, '/');
	if (!slash)
		copy_str(cfg->dir, sizeof(cfg->dir), ".");
	else if (slash == cfg->dir)
		cfg->dir[1] = '\0';
	else
		*slash = '\0';
	ret = parse_text(cfg, text, err);
	free(text);
	return ret;
}

/*
 * Copy @s[0, @n) without surrounding blanks into @out. Returns false when it had to be
 * cut to fit (what fits is still copied, for the message).
 */
static bool trim_copy(const char *s, size_t n, char *out, size_t len)
{
	bool fits;

	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	fits = n < len;
	if (!fits)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return fits;
}

int cfg_set(struct cfg *cfg, const char *assignment, struct cfg_error *err)
{
	char origin[PATH_MAX], name[64], key[64], value[CFG_LINE_MAX + 1];
	const char *eq = strchr(assignment, '='), *dot = NULL;
	struct section sec;
	int ret;

	snprintf(origin, sizeof(origin), "--set %s", assignment);
	for (const char *p = assignment; eq && p < eq; p++)
		if (*p == '.')
			dot = p;
	if (!eq || !dot)
		return fail(err, origin, 0, NULL, NULL, NULL,
			    "expected SECTION.KEY=VALUE, such as vm.vcpus=4 or vcpu.1.cpus=3");
	/* A name or key cut to fit is unknown anyway: the lookup reports it. */
	trim_copy(assignment, (size_t)(dot - assignment), name, sizeof(name));
	trim_copy(dot + 1, (size_t)(eq - dot - 1), key, sizeof(key));
	if (!trim_copy(eq + 1, strlen(eq + 1), value, sizeof(value)))
		return fail(err, origin, 0, name, key, NULL, "[%s] %s: expected a value of at "
			    "most %d characters", name, key, CFG_LINE_MAX);
	if (name[0] == '\0' || key[0] == '\0')
		return fail(err, origin, 0, name, key, value,
			    "expected SECTION.KEY=VALUE, such as vm.vcpus=4 or vcpu.1.cpus=3");
	/* A file cannot hold a line break in a value; neither may --set. */
	if (strpbrk(value, "\r\n"))
		return fail(err, origin, 0, name, key, value,
			    "[%s] %s: expected a value without line breaks", name, key);
	ret = parse_section(name, &sec);
	if (ret)
		return fail_section(err, origin, 0, name, ret);
	/* Relative paths given on the command line mean the current directory. */
	return set_key(cfg, &sec, key, value, "", CFG_LINE_SET, origin, 0, err);
}

/* Where a finalize message points: the file and line, or the --set that set it. */
static const char *origin_file(const struct cfg *cfg, unsigned origin)
{
	if (origin == CFG_LINE_SET)
		return "--set";
	return cfg->path[0] ? cfg->path : "config";
}

static unsigned origin_line(unsigned origin)
{
	return origin == CFG_LINE_SET ? 0 : origin;
}

static void describe_origin(unsigned origin, char *buf, size_t len)
{
	if (origin == CFG_LINE_SET)
		snprintf(buf, len, "by --set");
	else if (origin == CFG_LINE_DEFAULT)
		snprintf(buf, len, "by default");
	else
		snprintf(buf, len, "at line %u", origin);
}

/* The file's name without folder and extension, made into a valid VM name. */
static void default_name(struct cfg *cfg)
{
	const char *base = strrchr(cfg->path, '/');
	char *dot;
	size_t n;

	base = base ? base + 1 : cfg->path;
	copy_str(cfg->vm.name, sizeof(cfg->vm.name), base);
	dot = strrchr(cfg->vm.name, '.');
	if (dot && dot != cfg->vm.name)
		*dot = '\0';
	n = strlen(cfg->vm.name);
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok(cfg->vm.name[i], i == 0))
			cfg->vm.name[i] = '_';
	if (n == 0)
		copy_str(cfg->vm.name, sizeof(cfg->vm.name), "vm");
}

static int check_boot(struct cfg *cfg, struct cfg_error *err)
{
	const struct cfg_boot_lines *l = &cfg->boot.lines;
	bool kernel = cfg->boot.kernel[0] != '\0';
	bool payload = cfg->boot.payload != CFG_PAYLOAD_NONE;
	const char *pv = cfg->boot.payload == CFG_PAYLOAD_PROBE ? "probe" : cfg->boot.payload_path;
	char where[32];

	if (kernel && payload) {
		describe_origin(l->kernel, where, sizeof(where));
		return fail(err, origin_file(cfg, l->payload), origin_line(l->payload), "boot",
			    "payload", pv,
			    "[boot] payload = '%.*s': expected either kernel or payload, not both "
			    "(kernel is set %s; an empty value unsets a key)", SHOWN_VALUE_MAX, pv,
			    where);
	}
	if (!kernel && !payload)
		return fail(err, origin_file(cfg, l->section), origin_line(l->section), "boot",
			    NULL, NULL,
			    "[boot] expected kernel = PATH (a bzImage) or payload = probe|PATH");
	if (payload && cfg->boot.initrd[0])
		return fail(err, origin_file(cfg, l->initrd), origin_line(l->initrd), "boot",
			    "initrd", cfg->boot.initrd,
			    "[boot] initrd = '%.*s': expected no initrd with payload (initrd and "
			    "cmdline need kernel)", SHOWN_VALUE_MAX, cfg->boot.initrd);
	if (payload && cfg->boot.cmdline[0])
		return fail(err, origin_file(cfg, l->cmdline), origin_line(l->cmdline), "boot",
			    "cmdline", cfg->boot.cmdline,
			    "[boot] cmdline = '%.*s': expected no cmdline with payload (initrd "
			    "and cmdline need kernel)", SHOWN_VALUE_MAX, cfg->boot.cmdline);
	return 0;
}

/* Fill the fields a vCPU did not override from [sched]. */
static void merge_sched(struct cfg_thread_sched *s, const struct cfg_thread_sched *d,
			unsigned mask)
{
	if (!(mask & CFG_VCPU_SET_POLICY))
		s->policy = d->policy;
	if (!(mask & CFG_VCPU_SET_RT_PRIORITY))
		s->rt_priority = d->rt_priority;
	if (!(mask & CFG_VCPU_SET_DELAY_RT))
		s->delay_rt = d->delay_rt;
	if (!(mask & CFG_VCPU_SET_BOOST_UCLAMP))
		s->boost_uclamp = d->boost_uclamp;
	if (!(mask & CFG_VCPU_SET_CORE_SCHEDULING))
		s->core_scheduling = d->core_scheduling;
	if (!(mask & CFG_VCPU_SET_CGROUP))
		copy_str(s->cgroup, sizeof(s->cgroup), d->cgroup);
}

int cfg_finalize(struct cfg *cfg, struct cfg_error *err)
{
	int ret;

	if (cfg->vm.name[0] == '\0')
		default_name(cfg);
	ret = check_boot(cfg, err);
	if (ret)
		return ret;
	for (unsigned i = cfg->vm.vcpus; i < CFG_MAX_VCPUS; i++) {
		const struct cfg_vcpu *vc = &cfg->vcpu[i];
		char name[16];

		if (vc->section_line == CFG_LINE_DEFAULT)
			continue;
		snprintf(name, sizeof(name), "vcpu.%u", i);
		return fail(err, origin_file(cfg, vc->section_line),
			    origin_line(vc->section_line), name, NULL, NULL,
			    "[%s] expected a vCPU number below vcpus = %u (vCPUs count from 0)",
			    name, cfg->vm.vcpus);
	}
	for (unsigned i = 0; i < cfg->vm.vcpus; i++)
		merge_sched(&cfg->vcpu[i].sched, &cfg->sched.defaults, cfg->vcpu[i].set_mask);
	return 0;
}

void cfg_init(struct cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->vm.memory_bytes = 512ull << 20;
	cfg->vm.vcpus = 1;
	cfg->vm.on_reset = CFG_ON_RESET_EXIT;
	cfg->vm.seccomp = CFG_SECCOMP_ON;
	cfg->boot.payload = CFG_PAYLOAD_NONE;
	cfg->memory.numa_node = CFG_NUMA_AUTO;
	cfg->memory.hugepages = CFG_HUGEPAGES_OFF;
	cfg->memory.lock = true;
	cfg->memory.prefault = true;
	cfg->sched.defaults.policy = CFG_POLICY_RR;
	cfg->sched.defaults.rt_priority = 6;
	cfg->sched.defaults.delay_rt = false;
	cfg->sched.defaults.boost_uclamp = true;
	cfg->sched.defaults.core_scheduling = CFG_CORE_SCHED_VCPU;
	cfg->sched.bus_lock_ratelimit = 0;
	cfg->sched.bus_lock_slice_ms = 1000;
	cfg->sched.halt_poll_ns = CFG_HALT_POLL_DEFAULT;
	cfg->sched.disable_exits = 0;
	cfg->sched.emulator_cpus_set = false;
	CPU_ZERO(&cfg->sched.emulator_cpus);
	cfg->sched.cgroup_rt_runtime_us = 0;
	for (unsigned i = 0; i < CFG_MAX_VCPUS; i++) {
		cfg->vcpu[i].cpus_auto = true;
		CPU_ZERO(&cfg->vcpu[i].cpus);
		cfg->vcpu[i].sched = cfg->sched.defaults;
	}
	cfg->probe.duration_s = 10;
	cfg->probe.mode = CFG_PROBE_NOISE;
	cfg->probe.threshold_us = 5;
	cfg->probe.interval_us = 1000;
	cfg->console.serial = CFG_SERIAL_STDIO;
}

int cfg_load(struct cfg *cfg, const char *path, char *const *sets, size_t n_sets,
	     struct cfg_error *err)
{
	int ret;

	cfg_init(cfg);
	ret = cfg_parse_file(cfg, path, err);
	if (ret)
		return ret;
	for (size_t i = 0; i < n_sets; i++) {
		ret = cfg_set(cfg, sets[i], err);
		if (ret)
			return ret;
	}
	return cfg_finalize(cfg, err);
}

static const char *enum_name(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : "?";
}

const char *cfg_policy_name(enum cfg_policy policy)
{
	return enum_name(policy_names, N_ELEMS(policy_names), (unsigned)policy);
}

const char *cfg_core_sched_name(enum cfg_core_sched core_sched)
{
	return enum_name(core_sched_names, N_ELEMS(core_sched_names), (unsigned)core_sched);
}

const char *cfg_hugepages_name(enum cfg_hugepages hugepages)
{
	return enum_name(hugepages_names, N_ELEMS(hugepages_names), (unsigned)hugepages);
}

const char *cfg_on_reset_name(enum cfg_on_reset on_reset)
{
	return enum_name(on_reset_names, N_ELEMS(on_reset_names), (unsigned)on_reset);
}

const char *cfg_seccomp_name(enum cfg_seccomp seccomp)
{
	return enum_name(seccomp_names, N_ELEMS(seccomp_names), (unsigned)seccomp);
}

const char *cfg_payload_name(enum cfg_payload payload)
{
	return enum_name(payload_names, N_ELEMS(payload_names), (unsigned)payload);
}

const char *cfg_probe_mode_name(enum cfg_probe_mode mode)
{
	return enum_name(probe_mode_names, N_ELEMS(probe_mode_names), (unsigned)mode);
}

const char *cfg_serial_name(enum cfg_serial serial)
{
	return enum_name(serial_names, N_ELEMS(serial_names), (unsigned)serial);
}
