// SPDX-License-Identifier: Apache-2.0
/*
 * The typed VM configuration: the INI schema (docs/config.md), its defaults, parsing
 * from a file or a string, --set overrides and the cross-key checks. The result is a
 * plain struct that the planner and the VM read and never write. Parsing is done once
 * by the main thread before any other thread starts. The struct is large (about 130 KiB
 * with CFG_MAX_VCPUS vCPU slots): allocate it, do not put it on a thread's stack. Errors
 * say where (file and line, or the --set), which section and key, and what was expected.
 */
#ifndef RTVMM_CONFIG_H
#define RTVMM_CONFIG_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_VCPUS 256
#define CFG_MAX_NUMA_NODE 1023
/* Longest line accepted in an INI file, without its line break. */
#define CFG_LINE_MAX 4096
/* Largest INI file accepted: a config is a page or two, anything bigger is a mistake. */
#define CFG_FILE_MAX (1024 * 1024)

/* cfg.memory.numa_node when not a node number. */
#define CFG_NUMA_AUTO (-1) /* the node of the vCPUs' CPUs, decided by the planner */
#define CFG_NUMA_NONE (-2) /* no memory policy: the kernel's default placement */

/* cfg.sched.halt_poll_ns when the host's default is kept (KVM_CAP_HALT_POLL not set). */
#define CFG_HALT_POLL_DEFAULT (-1)

/*
 * Bits of cfg.sched.disable_exits. The values are those of KVM_X86_DISABLE_EXITS_* so the
 * VM layer can pass the mask to KVM_CAP_X86_DISABLE_EXITS as is (it should static_assert
 * the equality; config/ includes no KVM header).
 */
#define CFG_EXIT_MWAIT (1u << 0)
#define CFG_EXIT_HLT (1u << 1)
#define CFG_EXIT_PAUSE (1u << 2)
#define CFG_EXIT_CSTATE (1u << 3)

/* Scheduling policy of a vCPU thread. */
enum cfg_policy {
	CFG_POLICY_OTHER, /* SCHED_OTHER: no RT; rt_priority is ignored */
	CFG_POLICY_RR,	  /* SCHED_RR */
	CFG_POLICY_FIFO,  /* SCHED_FIFO */
};

/* Core-scheduling cookie (prctl PR_SCHED_CORE) for vCPU threads. */
enum cfg_core_sched {
	CFG_CORE_SCHED_OFF,  /* no cookie: SMT siblings may run anything */
	CFG_CORE_SCHED_VCPU, /* a cookie per vCPU thread */
	CFG_CORE_SCHED_VM,   /* one cookie shared by the VM's vCPU threads */
};

enum cfg_hugepages {
	CFG_HUGEPAGES_OFF, /* 4K pages */
	CFG_HUGEPAGES_THP, /* transparent hugepages (madvise MADV_HUGEPAGE) */
	CFG_HUGEPAGES_2M,  /* hugetlbfs 2M pages (MAP_HUGETLB | MAP_HUGE_2MB) */
	CFG_HUGEPAGES_1G,  /* hugetlbfs 1G pages */
};

/* What to do when the guest asks for a reset. */
enum cfg_on_reset {
	CFG_ON_RESET_EXIT,   /* stop the VM, exit status 3 */
	CFG_ON_RESET_REBOOT, /* reboot the guest in place */
};

enum cfg_seccomp {
	CFG_SECCOMP_ON,	 /* filter installed, a forbidden syscall kills the process */
	CFG_SECCOMP_LOG, /* filter installed, forbidden syscalls are only logged */
	CFG_SECCOMP_OFF, /* no filter */
};

/* What [boot] loads. With CFG_PAYLOAD_NONE, boot.kernel names a bzImage. */
enum cfg_payload {
	CFG_PAYLOAD_NONE,  /* no payload (a kernel is booted instead) */
	CFG_PAYLOAD_PROBE, /* the built-in jitter probe */
	CFG_PAYLOAD_FILE,  /* a flat 64-bit binary at boot.payload_path */
};

enum cfg_probe_mode {
	CFG_PROBE_NOISE, /* spin on rdtsc and count gaps above threshold_us */
	CFG_PROBE_WAKE,	 /* periodic TSC-deadline timer, measure wake-up lateness */
};

enum cfg_serial {
	CFG_SERIAL_STDIO, /* the UART is rtvmm's stdin/stdout */
	CFG_SERIAL_NULL,  /* output discarded, no input */
	CFG_SERIAL_FILE,  /* output appended to console.path, no input */
};

/* Scheduling of one vCPU thread: [sched] gives the defaults, [vcpu.N] overrides. */
struct cfg_thread_sched {
	enum cfg_policy policy;
	int rt_priority;   /* 1..99, used with RR and FIFO */
	bool delay_rt;	   /* stay SCHED_OTHER until the control command make-rt */
	bool boost_uclamp; /* util_min = max, so the CPU runs at full frequency */
	enum cfg_core_sched core_scheduling;
	char cgroup[256]; /* relative to the cgroup root, no leading '/'; "" = stay put */
};

/* Bits of cfg_vcpu.set_mask: which fields [vcpu.N] (or --set vcpu.N.KEY) set. */
#define CFG_VCPU_SET_CPUS (1u << 0)
#define CFG_VCPU_SET_POLICY (1u << 1)
#define CFG_VCPU_SET_RT_PRIORITY (1u << 2)
#define CFG_VCPU_SET_DELAY_RT (1u << 3)
#define CFG_VCPU_SET_BOOST_UCLAMP (1u << 4)
#define CFG_VCPU_SET_CORE_SCHEDULING (1u << 5)
#define CFG_VCPU_SET_CGROUP (1u << 6)

/* Where a value came from, for messages: a file line, or one of these. */
#define CFG_LINE_DEFAULT 0u	   /* never set: the default */
#define CFG_LINE_SET UINT_MAX /* set by cfg_set() (--set) */

struct cfg_vcpu {
	bool cpus_auto;	 /* true: the planner picks the CPU; cpus is then empty */
	cpu_set_t cpus;	 /* host CPUs this vCPU thread may run on */
	/* Until cfg_finalize(): only the fields named in set_mask are meaningful.
	 * After: the overrides merged over cfg.sched.defaults, complete. */
	struct cfg_thread_sched sched;
	unsigned set_mask;     /* CFG_VCPU_SET_* */
	unsigned section_line; /* line of the [vcpu.N] header, CFG_LINE_DEFAULT or _SET */
};

/* Lines of the [boot] keys that cfg_finalize() cross-checks (CFG_LINE_* when not a line). */
struct cfg_boot_lines {
	unsigned section, kernel, initrd, cmdline, payload;
};

struct cfg {
	char path[PATH_MAX]; /* the config file as given, or cfg_parse_string()'s name */
	char dir[PATH_MAX];  /* its folder, base of relative paths; "" = keep them relative */
	struct {
		char name[64];	       /* [A-Za-z0-9._-]; default: the file's stem */
		uint64_t memory_bytes; /* guest RAM, 2M..1T, a multiple of 4K */
		unsigned vcpus;	       /* 1..CFG_MAX_VCPUS */
		char control[108];     /* control socket path; "" = no socket */
		bool strict;	       /* a requested feature the host lacks is an error */
		enum cfg_on_reset on_reset;
		enum cfg_seccomp seccomp;
	} vm;
	struct {
		char kernel[PATH_MAX]; /* bzImage; "" = none (then a payload is set) */
		char initrd[PATH_MAX]; /* "" = none; only with kernel */
		char cmdline[2048];    /* only with kernel */
		enum cfg_payload payload;
		char payload_path[PATH_MAX]; /* with CFG_PAYLOAD_FILE */
		struct cfg_boot_lines lines;
	} boot;
	struct {
		int numa_node; /* 0..CFG_MAX_NUMA_NODE, CFG_NUMA_AUTO or CFG_NUMA_NONE */
		enum cfg_hugepages hugepages;
		bool lock;     /* mlock guest RAM */
		bool prefault; /* touch every page before the guest starts */
	} memory;
	struct {
		struct cfg_thread_sched defaults; /* for every vCPU without an override */
		uint32_t bus_lock_ratelimit;	  /* bus locks per second, VM-wide; 0 = unlimited */
		uint32_t bus_lock_slice_ms;	  /* rate-limit accounting window, 1..60000 */
		int64_t halt_poll_ns;		  /* 0..10^10; CFG_HALT_POLL_DEFAULT = host's */
		unsigned disable_exits;		  /* CFG_EXIT_*; 0 = none */
		bool emulator_cpus_set;		  /* false: main and helper threads not pinned */
		cpu_set_t emulator_cpus;
		uint32_t cgroup_rt_runtime_us; /* v1 cpu.rt_runtime_us of a cgroup we create;
						* 0 = all its parent has free */
	} sched;
	struct cfg_vcpu vcpu[CFG_MAX_VCPUS]; /* only [0, vm.vcpus) are used */
	struct {
		uint32_t duration_s;  /* 1..86400 */
		enum cfg_probe_mode mode;
		uint32_t threshold_us; /* noise: gaps longer than this count, 1..1000000 */
		uint32_t interval_us;  /* wake: timer period, 10..1000000 */
	} probe;
	struct {
		enum cfg_serial serial;
		char path[PATH_MAX]; /* with CFG_SERIAL_FILE */
	} console;
};

/* What went wrong and where. msg is the complete line to show the user. */
struct cfg_error {
	char file[PATH_MAX]; /* config path, or "--set ASSIGNMENT" for an override */
	unsigned line;	     /* 1-based; 0 = not from a file line */
	char section[64];    /* "" when not about a section */
	char key[64];	     /* "" when not about a key */
	char value[256];     /* the offending value, truncated to fit */
	/* "FILE:LINE: [SECTION] KEY = 'VALUE': expected WHAT" and variants */
	char msg[1024];
};

/* Fill @cfg with the defaults; no boot source is set, so finalize needs one. */
void cfg_init(struct cfg *cfg);

/*
 * Parse the INI file at @path over @cfg (which cfg_init() prepared). Relative paths in
 * the file are resolved against the file's folder. Returns 0; -EINVAL for a
 * configuration error; -errno (-ENOENT, -EACCES, ...) when the file cannot be read, or
 * -EFBIG when it is larger than CFG_FILE_MAX. @err is filled on every error.
 */
int cfg_parse_file(struct cfg *cfg, const char *path, struct cfg_error *err);

/*
 * Same for INI text in memory. @display_name stands for the file name in messages and
 * gives the default VM name (its stem); @base_dir resolves relative paths (NULL or ""
 * keeps them as written). Returns 0 or -EINVAL.
 */
int cfg_parse_string(struct cfg *cfg, const char *text, const char *display_name,
		     const char *base_dir, struct cfg_error *err);

/*
 * Apply one override "SECTION.KEY=VALUE" ("vm.vcpus=4", "vcpu.1.cpus=3": the key is what
 * follows the last dot before '='). Validation is that of the file; relative paths are
 * kept as written, i.e. relative to the current directory. Later calls win over the
 * file and over earlier calls. Returns 0 or -EINVAL.
 */
int cfg_set(struct cfg *cfg, const char *assignment, struct cfg_error *err);

/*
 * Cross-key checks and defaults that depend on other keys: exactly one boot source,
 * no initrd or cmdline with a payload, no [vcpu.N] for N >= vcpus; merges the [vcpu.N]
 * overrides over [sched]; the name defaults to the file's stem. Call once, after the
 * file and the overrides. Returns 0 or -EINVAL.
 */
int cfg_finalize(struct cfg *cfg, struct cfg_error *err);

/*
 * cfg_init() + cfg_parse_file() + cfg_set() for each of @sets + cfg_finalize(). Stops
 * at the first error and returns it.
 */
int cfg_load(struct cfg *cfg, const char *path, char *const *sets, size_t n_sets,
	     struct cfg_error *err);

/*
 * Parse a size: a decimal number of bytes, optionally followed by K, M, G or T (powers
 * of 1024, either case). Returns 0; -EINVAL for bad syntax; -ERANGE when it overflows
 * 64 bits. No range policy here: callers check their own limits.
 */
int cfg_parse_size(const char *s, uint64_t *bytes);

/*
 * Write @mask (CFG_EXIT_*) as the INI spells it ("hlt,pause", "none" for 0). Returns the
 * length or -ENOSPC.
 */
int cfg_disable_exits_format(unsigned mask, char *buf, size_t len);

/* The INI spelling of each enum value ("rr", "2M", "file", ...); "?" when out of range. */
const char *cfg_policy_name(enum cfg_policy policy);
const char *cfg_core_sched_name(enum cfg_core_sched core_sched);
const char *cfg_hugepages_name(enum cfg_hugepages hugepages);
const char *cfg_on_reset_name(enum cfg_on_reset on_reset);
const char *cfg_seccomp_name(enum cfg_seccomp seccomp);
const char *cfg_payload_name(enum cfg_payload payload);
const char *cfg_probe_mode_name(enum cfg_probe_mode mode);
const char *cfg_serial_name(enum cfg_serial serial);

#endif
