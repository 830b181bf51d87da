// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for config/config: defaults, every key of the schema, per-vCPU overrides
 * whatever the section order, --set, path resolution, and a table of malformed inputs
 * that each must be refused with the right line, section, key and explanation (a typo
 * must never silently drop a pinning). Files are written to a temp folder of their own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../config/config.h"
#include "../../config/cpulist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int setup_cfg(void **state)
{
	struct cfg *cfg = malloc(sizeof(*cfg));

	if (!cfg)
		return -1;
	cfg_init(cfg);
	*state = cfg;
	return 0;
}

static int teardown_cfg(void **state)
{
	free(*state);
	return 0;
}

static void assert_cpus(const cpu_set_t *set, const char *list)
{
	char buf[128];

	assert_true(cpulist_format(set, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, list);
}

/* Parse @text as "t.ini" (relative paths against /cfgdir) and finalize it; must work. */
static void parse_ok(struct cfg *cfg, const char *text)
{
	struct cfg_error err;

	cfg_init(cfg);
	if (cfg_parse_string(cfg, text, "t.ini", "/cfgdir", &err) ||
	    cfg_finalize(cfg, &err))
		fail_msg("unexpected error: %s", err.msg);
}

static void set_ok(struct cfg *cfg, const char *assignment)
{
	struct cfg_error err;

	if (cfg_set(cfg, assignment, &err))
		fail_msg("--set %s: %s", assignment, err.msg);
}

static void test_config_defaults(void **state)
{
	struct cfg *cfg = *state;
	struct cfg_error err;

	cfg_init(cfg);
	assert_string_equal(cfg->vm.name, "");
	assert_int_equal(cfg->vm.memory_bytes, 512ull << 20);
	assert_int_equal(cfg->vm.vcpus, 1);
	assert_string_equal(cfg->vm.control, "");
	assert_false(cfg->vm.strict);
	assert_int_equal(cfg->vm.on_reset, CFG_ON_RESET_EXIT);
	assert_int_equal(cfg->vm.seccomp, CFG_SECCOMP_ON);
	assert_string_equal(cfg->boot.kernel, "");
	assert_int_equal(cfg->boot.payload, CFG_PAYLOAD_NONE);
	assert_int_equal(cfg->memory.numa_node, CFG_NUMA_AUTO);
	assert_int_equal(cfg->memory.hugepages, CFG_HUGEPAGES_OFF);
	assert_true(cfg->memory.lock);
	assert_true(cfg->memory.prefault);
	assert_int_equal(cfg->sched.defaults.policy, CFG_POLICY_RR);
	assert_int_equal(cfg->sched.defaults.rt_priority, 6);
	assert_false(cfg->sched.defaults.delay_rt);
	assert_true(cfg->sched.defaults.boost_uclamp);
	assert_int_equal(cfg->sched.defaults.core_scheduling, CFG_CORE_SCHED_VCPU);
	assert_string_equal(cfg->sched.defaults.cgroup, "");
	assert_int_equal(cfg->sched.bus_lock_ratelimit, 0);
	assert_int_equal(cfg->sched.bus_lock_slice_ms, 1000);
	assert_int_equal(cfg->sched.halt_poll_ns, CFG_HALT_POLL_DEFAULT);
	assert_int_equal(cfg->sched.disable_exits, 0);
	assert_false(cfg->sched.emulator_cpus_set);
	assert_int_equal(cfg->sched.cgroup_rt_runtime_us, 0);
	for (unsigned i = 0; i < CFG_MAX_VCPUS; i++) {
		assert_true(cfg->vcpu[i].cpus_auto);
		assert_int_equal(cfg->vcpu[i].set_mask, 0);
		assert_int_equal(cfg->vcpu[i].section_line, CFG_LINE_DEFAULT);
	}
	assert_int_equal(cfg->probe.duration_s, 10);
	assert_int_equal(cfg->probe.mode, CFG_PROBE_NOISE);
	assert_int_equal(cfg->probe.threshold_us, 5);
	assert_int_equal(cfg->probe.interval_us, 1000);
	assert_int_equal(cfg->console.serial, CFG_SERIAL_STDIO);

	/* A boot source is the one thing without a default. */
	assert_int_equal(cfg_finalize(cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "expected kernel = PATH"));

	/* With one, an otherwise empty file is a complete config named after the file. */
	parse_ok(cfg, "[boot]\npayload = probe\n");
	assert_string_equal(cfg->vm.name, "t");
	assert_int_equal(cfg->boot.payload, CFG_PAYLOAD_PROBE);
	assert_true(cfg->vcpu[0].cpus_auto);
	assert_int_equal(cfg->vcpu[0].sched.policy, CFG_POLICY_RR);
	assert_int_equal(cfg->vcpu[0].sched.rt_priority, 6);
	assert_true(cfg->vcpu[0].sched.boost_uclamp);
	assert_int_equal(cfg->vcpu[0].sched.core_scheduling, CFG_CORE_SCHED_VCPU);
}

/* Every key, none at its default. */
static const char full_file[] = "; every key\n"
				"[vm]\n"
				"name = full-vm.1\n"
				"memory = 2g\n"
				"vcpus = 4\n"
				"control = run/full.sock\n"
				"strict = yes\n"
				"on_reset = reboot\n"
				"seccomp = log\n"
				"[boot]\n"
				"kernel = guest/bzImage\n"
				"initrd = /abs/initrd.img\n"
				"cmdline = console=ttyS0 panic=-1 quiet\n"
				"[memory]\n"
				"numa_node = 1\n"
				"hugepages = 1G\n"
				"lock = off\n"
				"prefault = 0\n"
				"[sched]\n"
				"policy = fifo\n"
				"rt_priority = 42\n"
				"delay_rt = true\n"
				"boost_uclamp = no\n"
				"core_scheduling = vm\n"
				"cgroup = rtvmm/full\n"
				"bus_lock_ratelimit = 1000\n"
				"bus_lock_slice_ms = 250\n"
				"halt_poll_ns = 200000\n"
				"disable_exits = hlt, pause,mwait,cstate\n"
				"emulator_cpus = 0-1,6\n"
				"cgroup_rt_runtime_us = 950000\n"
				"[vcpu.0]\n"
				"cpus = 2\n"
				"[vcpu.3]\n"
				"cpus = 4-5\n"
				"policy = other\n"
				"rt_priority = 7\n"
				"delay_rt = false\n"
				"boost_uclamp = on\n"
				"core_scheduling = off\n"
				"cgroup = rtvmm/full/v3\n"
				"[probe]\n"
				"duration = 60\n"
				"mode = wake\n"
				"threshold_us = 20\n"
				"interval_us = 500\n"
				"[console]\n"
				"serial = file:log/console.txt\n";

static void test_config_full_file_every_key(void **state)
{
	struct cfg *cfg = *state;
	const struct cfg_thread_sched *s;

	parse_ok(cfg, full_file);
	assert_string_equal(cfg->vm.name, "full-vm.1");
	assert_int_equal(cfg->vm.memory_bytes, 2ull << 30);
	assert_int_equal(cfg->vm.vcpus, 4);
	assert_string_equal(cfg->vm.control, "/cfgdir/run/full.sock");
	assert_true(cfg->vm.strict);
	assert_int_equal(cfg->vm.on_reset, CFG_ON_RESET_REBOOT);
	assert_int_equal(cfg->vm.seccomp, CFG_SECCOMP_LOG);
	assert_string_equal(cfg->boot.kernel, "/cfgdir/guest/bzImage");
	assert_string_equal(cfg->boot.initrd, "/abs/initrd.img");
	assert_string_equal(cfg->boot.cmdline, "console=ttyS0 panic=-1 quiet");
	assert_int_equal(cfg->boot.payload, CFG_PAYLOAD_NONE);
	assert_int_equal(cfg->boot.lines.section, 10);
	assert_int_equal(cfg->boot.lines.kernel, 11);
	assert_int_equal(cfg->memory.numa_node, 1);
	assert_int_equal(cfg->memory.hugepages, CFG_HUGEPAGES_1G);
	assert_false(cfg->memory.lock);
	assert_false(cfg->memory.prefault);
	s = &cfg->sched.defaults;
	assert_int_equal(s->policy, CFG_POLICY_FIFO);
	assert_int_equal(s->rt_priority, 42);
	assert_true(s->delay_rt);
	assert_false(s->boost_uclamp);
	assert_int_equal(s->core_scheduling, CFG_CORE_SCHED_VM);
	assert_string_equal(s->cgroup, "rtvmm/full");
	assert_int_equal(cfg->sched.bus_lock_ratelimit, 1000);
	assert_int_equal(cfg->sched.bus_lock_slice_ms, 250);
	assert_int_equal(cfg->sched.halt_poll_ns, 200000);
	assert_int_equal(cfg->sched.disable_exits,
			 CFG_EXIT_HLT | CFG_EXIT_PAUSE | CFG_EXIT_MWAIT | CFG_EXIT_CSTATE);
	assert_true(cfg->sched.emulator_cpus_set);
	assert_cpus(&cfg->sched.emulator_cpus, "0-1,6");
	assert_int_equal(cfg->sched.cgroup_rt_runtime_us, 950000);

	/* vCPU 0: own CPU, everything else from [sched]. */
	assert_false(cfg->vcpu[0].cpus_auto);
	assert_cpus(&cfg->vcpu[0].cpus, "2");
	assert_int_equal(cfg->vcpu[0].set_mask, CFG_VCPU_SET_CPUS);
	assert_int_equal(cfg->vcpu[0].section_line, 32);
	assert_int_equal(cfg->vcpu[0].sched.policy, CFG_POLICY_FIFO);
	assert_int_equal(cfg->vcpu[0].sched.rt_priority, 42);
	assert_string_equal(cfg->vcpu[0].sched.cgroup, "rtvmm/full");
	/* vCPUs 1 and 2: no section at all. */
	for (unsigned i = 1; i <= 2; i++) {
		assert_true(cfg->vcpu[i].cpus_auto);
		assert_int_equal(cfg->vcpu[i].set_mask, 0);
		assert_memory_equal(&cfg->vcpu[i].sched, s, sizeof(*s));
	}
	/* vCPU 3: every per-vCPU key overridden. */
	assert_cpus(&cfg->vcpu[3].cpus, "4-5");
	assert_int_equal(cfg->vcpu[3].sched.policy, CFG_POLICY_OTHER);
	assert_int_equal(cfg->vcpu[3].sched.rt_priority, 7);
	assert_false(cfg->vcpu[3].sched.delay_rt);
	assert_true(cfg->vcpu[3].sched.boost_uclamp);
	assert_int_equal(cfg->vcpu[3].sched.core_scheduling, CFG_CORE_SCHED_OFF);
	assert_string_equal(cfg->vcpu[3].sched.cgroup, "rtvmm/full/v3");
	assert_int_equal(cfg->vcpu[3].set_mask, 0x7f);

	assert_int_equal(cfg->probe.duration_s, 60);
	assert_int_equal(cfg->probe.mode, CFG_PROBE_WAKE);
	assert_int_equal(cfg->probe.threshold_us, 20);
	assert_int_equal(cfg->probe.interval_us, 500);
	assert_int_equal(cfg->console.serial, CFG_SERIAL_FILE);
	assert_string_equal(cfg->console.path, "/cfgdir/log/console.txt");
}

static void test_config_other_values(void **state)
{
	struct cfg *cfg = *state;

	parse_ok(cfg, "[vm]\nmemory = 4096K\nvcpus = 256\nstrict = FALSE\n"
		      "[boot]\npayload = bin/flat.bin\n"
		      "[memory]\nnuma_node = none\nhugepages = 2m\n"
		      "[sched]\nhalt_poll_ns =\ndisable_exits = none\nemulator_cpus =\n"
		      "bus_lock_ratelimit = 0\ncgroup_rt_runtime_us = 0\n"
		      "[vcpu.255]\ncpus = auto\n[console]\nserial = null\n");
	assert_int_equal(cfg->vm.memory_bytes, 4ull << 20);
	assert_int_equal(cfg->vm.vcpus, 256);
	assert_int_equal(cfg->boot.payload, CFG_PAYLOAD_FILE);
	assert_string_equal(cfg->boot.payload_path, "/cfgdir/bin/flat.bin");
	assert_int_equal(cfg->memory.numa_node, CFG_NUMA_NONE);
	assert_int_equal(cfg->memory.hugepages, CFG_HUGEPAGES_2M);
	assert_int_equal(cfg->sched.halt_poll_ns, CFG_HALT_POLL_DEFAULT);
	assert_int_equal(cfg->sched.disable_exits, 0);
	assert_false(cfg->sched.emulator_cpus_set);
	assert_true(cfg->vcpu[255].cpus_auto);
	assert_int_equal(cfg->vcpu[255].set_mask, CFG_VCPU_SET_CPUS);
	assert_int_equal(cfg->console.serial, CFG_SERIAL_NULL);

	parse_ok(cfg, "[vm]\nmemory = 1T\n[boot]\npayload = PROBE\n[memory]\nnuma_node = 1023\n"
		      "[console]\nserial = stdio\n");
	assert_int_equal(cfg->vm.memory_bytes, 1ull << 40);
	assert_int_equal(cfg->boot.payload, CFG_PAYLOAD_PROBE);
	assert_int_equal(cfg->memory.numa_node, 1023);
}

static void test_config_vcpu_overrides_any_order(void **state)
{
	static const char *const orders[] = {
		"[vm]\nvcpus = 3\n[boot]\npayload = probe\n"
		"[sched]\npolicy = fifo\nrt_priority = 10\ncgroup = g\n"
		"[vcpu.1]\nrt_priority = 20\ncpus = 5\n"
		"[vcpu.2]\npolicy = other\n",

		"[vcpu.2]\npolicy = other\n"
		"[vcpu.1]\ncpus = 5\nrt_priority = 20\n"
		"[sched]\ncgroup = g\nrt_priority = 10\npolicy = fifo\n"
		"[boot]\npayload = probe\n[vm]\nvcpus = 3\n",

		"[boot]\npayload = probe\n[vcpu.1]\nrt_priority = 20\n"
		"[sched]\npolicy = fifo\ncgroup = g\nrt_priority = 10\n"
		"[vcpu.2]\npolicy = other\n[vm]\nvcpus = 3\n"
		"[vcpu.0]\n; an empty section is fine\n",
	};
	struct cfg *cfg = *state;

	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		parse_ok(cfg, orders[i]);
		if (i == 2)
			set_ok(cfg, "vcpu.1.cpus=5");
		assert_int_equal(cfg->vcpu[0].sched.policy, CFG_POLICY_FIFO);
		assert_int_equal(cfg->vcpu[0].sched.rt_priority, 10);
		assert_string_equal(cfg->vcpu[0].sched.cgroup, "g");
		assert_true(cfg->vcpu[0].cpus_auto);
		assert_int_equal(cfg->vcpu[1].sched.policy, CFG_POLICY_FIFO);
		assert_int_equal(cfg->vcpu[1].sched.rt_priority, 20);
		assert_string_equal(cfg->vcpu[1].sched.cgroup, "g");
		assert_cpus(&cfg->vcpu[1].cpus, "5");
		assert_int_equal(cfg->vcpu[2].sched.policy, CFG_POLICY_OTHER);
		assert_int_equal(cfg->vcpu[2].sched.rt_priority, 10);
		assert_string_equal(cfg->vcpu[2].sched.cgroup, "g");
	}
}

static void test_config_set_overrides(void **state)
{
	struct cfg *cfg = *state;
	struct cfg_error err;

	cfg_init(cfg);
	assert_int_equal(cfg_parse_string(cfg,
					  "[vm]\nvcpus = 2\n[boot]\npayload = probe\n"
					  "[sched]\npolicy = rr\nrt_priority = 6\n"
					  "[vcpu.1]\npolicy = fifo\ncpus = 3\n",
					  "t.ini", "/cfgdir", &err),
			 0);
	/* A [sched] default changed after [vcpu.1] overrode it: vCPU 1 keeps its own. */
	set_ok(cfg, "sched.policy=other");
	set_ok(cfg, "sched.rt_priority = 30");
	set_ok(cfg, "vcpu.0.rt_priority=50");
	set_ok(cfg, "vcpu.1.cpus=auto");
	set_ok(cfg, "vm.vcpus=3");
	set_ok(cfg, "vcpu.2.cpus=7-8");
	set_ok(cfg, "vm.memory=1G");
	set_ok(cfg, "vm.memory=2G"); /* the last --set wins */
	set_ok(cfg, "vm.name=from-set");
	set_ok(cfg, "probe.duration=5");
	assert_int_equal(cfg_finalize(cfg, &err), 0);
	assert_int_equal(cfg->vm.vcpus, 3);
	assert_int_equal(cfg->vm.memory_bytes, 2ull << 30);
	assert_string_equal(cfg->vm.name, "from-set");
	assert_int_equal(cfg->probe.duration_s, 5);
	assert_int_equal(cfg->vcpu[0].sched.policy, CFG_POLICY_OTHER);
	assert_int_equal(cfg->vcpu[0].sched.rt_priority, 50);
	assert_int_equal(cfg->vcpu[1].sched.policy, CFG_POLICY_FIFO);
	assert_int_equal(cfg->vcpu[1].sched.rt_priority, 30);
	assert_true(cfg->vcpu[1].cpus_auto);
	assert_int_equal(cfg->vcpu[1].section_line, 8);
	assert_cpus(&cfg->vcpu[2].cpus, "7-8");
	assert_int_equal(cfg->vcpu[2].sched.policy, CFG_POLICY_OTHER);
	assert_int_equal(cfg->vcpu[2].section_line, CFG_LINE_SET);

	/* A value with '=' in it: only the first '=' splits. */
	set_ok(cfg, "boot.cmdline=console=ttyS0 quiet");
	assert_string_equal(cfg->boot.cmdline, "console=ttyS0 quiet");
}

static void test_config_set_switch_boot_source(void **state)
{
	struct cfg *cfg = *state;
	struct cfg_error err;

	cfg_init(cfg);
	assert_int_equal(cfg_parse_string(cfg, "[boot]\nkernel = k\ninitrd = i\ncmdline = c\n",
					  "t.ini", "/d", &err),
			 0);
	set_ok(cfg, "boot.payload=probe");
	assert_int_equal(cfg_finalize(cfg, &err), -EINVAL);
	assert_string_equal(err.file, "--set");
	assert_int_equal(err.line, 0);
	assert_string_equal(err.key, "payload");
	assert_non_null(strstr(err.msg, "kernel is set at line 2"));
	/* Empty values unset; then the probe boots. */
	set_ok(cfg, "boot.kernel=");
	set_ok(cfg, "boot.initrd=");
	set_ok(cfg, "boot.cmdline=");
	assert_int_equal(cfg_finalize(cfg, &err), 0);
	assert_int_equal(cfg->boot.payload, CFG_PAYLOAD_PROBE);
}

static void test_config_set_errors(void **state)
{
	static const struct {
		const char *set;
		const char *section, *key, *what;
	} cases[] = {
		{ "vm.vcpus", "", "", "expected SECTION.KEY=VALUE" },
		{ "vcpus=4", "", "", "expected SECTION.KEY=VALUE" },
		{ ".vcpus=4", "", "vcpus", "expected SECTION.KEY=VALUE" },
		{ "vm.=4", "vm", "", "expected SECTION.KEY=VALUE" },
		{ "vm.vcpus=abc", "vm", "vcpus", "expected an integer from 1 to 256" },
		{ "vm.memroy=1G", "vm", "memroy", "unknown key 'memroy'" },
		{ "vmm.vcpus=1", "vmm", "", "unknown section [vmm]" },
		{ "vcpu.x.cpus=1", "vcpu.x", "", "vcpu.N with N from 0 to 255" },
		{ "vcpu.256.cpus=1", "vcpu.256", "", "vcpu.N with N from 0 to 255" },
		{ "vcpu.0.halt_poll_ns=1", "vcpu.0", "halt_poll_ns",
		  "is VM-wide; set it in [sched]" },
		{ "vcpu.0.cpus=", "vcpu.0", "cpus", "auto or a CPU list" },
		{ "console.serial=file:", "console", "serial", "file:PATH" },
		{ "boot.cmdline=a\nb", "boot", "cmdline", "without line breaks" },
	};
	struct cfg *cfg = *state;
	struct cfg_error err;
	char prefix[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg_init(cfg);
		if (cfg_set(cfg, cases[i].set, &err) != -EINVAL)
			fail_msg("--set %s was accepted", cases[i].set);
		snprintf(prefix, sizeof(prefix), "--set %s: ", cases[i].set);
		if (strncmp(err.msg, prefix, strlen(prefix)) || err.line != 0 ||
		    strcmp(err.section, cases[i].section) || strcmp(err.key, cases[i].key) ||
		    !strstr(err.msg, cases[i].what))
			fail_msg("--set %s: got \"%s\" [%s] key '%s'", cases[i].set, err.msg,
				 err.section, err.key);
	}
	/* The exact wording users see. */
	cfg_init(cfg);
	assert_int_equal(cfg_set(cfg, "vm.vcpus=abc", &err), -EINVAL);
	assert_string_equal(err.msg, "--set vm.vcpus=abc: [vm] vcpus = 'abc': "
				     "expected an integer from 1 to 256");
	assert_string_equal(err.value, "abc");
}

static void test_config_relative_paths(void **state)
{
	struct cfg *cfg = *state;
	struct cfg_error err;

	/* From a string with a base folder. */
	cfg_init(cfg);
	assert_int_equal(cfg_parse_string(cfg,
					  "[vm]\ncontrol = s.sock\n[boot]\nkernel = guest/bzImage\n"
					  "initrd = /boot/initrd\n"
					  "[console]\nserial = file:out/c.log\n",
					  "conf/x.ini", "/etc/rtvmm/", &err),
			 0);
	assert_int_equal(cfg_finalize(cfg, &err), 0);
	assert_string_equal(cfg->boot.kernel, "/etc/rtvmm/guest/bzImage");
	assert_string_equal(cfg->boot.initrd, "/boot/initrd");
	assert_string_equal(cfg->vm.control, "/etc/rtvmm/s.sock");
	assert_string_equal(cfg->console.path, "/etc/rtvmm/out/c.log");
	assert_string_equal(cfg->vm.name, "x");

	/* Without a base folder, and from --set: as written (the current directory). */
	cfg_init(cfg);
	assert_int_equal(cfg_parse_string(cfg, "[boot]\nkernel = guest/bzImage\n", NULL, NULL,
					  &err),
			 0);
	assert_string_equal(cfg->boot.kernel, "guest/bzImage");
	set_ok(cfg, "boot.initrd=rd.img");
	assert_string_equal(cfg->boot.initrd, "rd.img");
	assert_int_equal(cfg_finalize(cfg, &err), 0);
	assert_string_equal(cfg->vm.name, "vm");

	/* A control socket path must fit sun_path once resolved. */
	cfg_init(cfg);
	assert_int_equal(cfg_parse_string(cfg, "[vm]\ncontrol = s.sock\n", "t.ini",
					  "/a/very/long/folder/name/that/goes/on/and/on/and/on/"
					  "for/more/than/one/hundred/and/seven/characters/in/all",
					  &err),
			 -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "at most 107 characters"));
}

/* Make a temp folder holding @name with @text; returns the file's path in @path. */
static void write_temp(char *dir, size_t dlen, char *path, size_t plen, const char *name,
		       const char *text, size_t len)
{
	FILE *f;

	snprintf(dir, dlen, "/tmp/rtvmm-test-config-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, plen, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void remove_temp(const char *dir, const char *path)
{
	unlink(path);
	rmdir(dir);
}

static void test_config_parse_file_resolves_against_its_folder(void **state)
{
	static const char text[] = "[boot]\nkernel = guest/bzImage\n[vcpu.0]\ncpus = 1\n";
	struct cfg *cfg = *state;
	struct cfg_error err;
	char dir[64], path[128], expect[192];

	write_temp(dir, sizeof(dir), path, sizeof(path), "my-guest.ini", text, strlen(text));
	assert_int_equal(cfg_load(cfg, path, NULL, 0, &err), 0);
	snprintf(expect, sizeof(expect), "%s/guest/bzImage", dir);
	assert_string_equal(cfg->boot.kernel, expect);
	assert_string_equal(cfg->dir, dir);
	assert_string_equal(cfg->path, path);
	assert_string_equal(cfg->vm.name, "my-guest");
	assert_cpus(&cfg->vcpu[0].cpus, "1");

	/* cfg_load applies the --set list after the file. */
	{
		char *sets[] = { "vm.vcpus=2", "vcpu.1.cpus=4" };

		assert_int_equal(cfg_load(cfg, path, sets, 2, &err), 0);
		assert_int_equal(cfg->vm.vcpus, 2);
		assert_cpus(&cfg->vcpu[1].cpus, "4");
	}
	remove_temp(dir, path);
}

static void test_config_missing_file(void **state)
{
	struct cfg *cfg = *state;
	struct cfg_error err;
	char *sets[] = { "vm.vcpus=2" };

	cfg_init(cfg);
	assert_int_equal(cfg_parse_file(cfg, "/nonexistent/rtvmm/vm.ini", &err), -ENOENT);
	assert_string_equal(err.msg, "/nonexistent/rtvmm/vm.ini: cannot read: "
				     "No such file or directory");
	assert_string_equal(err.file, "/nonexistent/rtvmm/vm.ini");
	assert_int_equal(err.line, 0);
	assert_int_equal(cfg_load(cfg, "/nonexistent/rtvmm/vm.ini", sets, 1, &err), -ENOENT);

	assert_int_equal(cfg_parse_file(cfg, "/tmp", &err), -EISDIR);
	assert_non_null(strstr(err.msg, "/tmp: cannot read: Is a directory"));
}

static void test_config_file_with_nul_byte(void **state)
{
	static const char text[] = "[vm]\nvcpus = 2\nmem\0ory = 1G\n";
	struct cfg *cfg = *state;
	struct cfg_error err;
	char dir[64], path[128];

	write_temp(dir, sizeof(dir), path, sizeof(path), "nul.ini", text, sizeof(text) - 1);
	cfg_init(cfg);
	assert_int_equal(cfg_parse_file(cfg, path, &err), -EINVAL);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.msg, "NUL byte"));
	remove_temp(dir, path);
}

static void test_config_file_too_big(void **state)
{
	struct cfg *cfg = *state;
	struct cfg_error err;
	size_t len = CFG_FILE_MAX + 10;
	char dir[64], path[128];
	char *text = malloc(len);

	assert_non_null(text);
	memset(text, '\n', len);
	write_temp(dir, sizeof(dir), path, sizeof(path), "big.ini", text, len);
	free(text);
	cfg_init(cfg);
	assert_int_equal(cfg_parse_file(cfg, path, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "at most 1 MiB"));
	remove_temp(dir, path);
}

static void test_config_lexical_tolerance(void **state)
{
	struct cfg *cfg = *state;
	char line[CFG_LINE_MAX + 64];
	char *text;

	/* BOM, CRLF, indentation (never a continuation), comments, "key: value". */
	parse_ok(cfg, "\xef\xbb\xbf; comment\r\n"
		      "# another comment\r\n"
		      "  [vm]   ; trailing comment\r\n"
		      "\tname = crlf\r\n"
		      "    vcpus = 2 ; inline\r\n"
		      "memory: 64M\r\n"
		      "\r\n"
		      "[boot]\r\n"
		      "payload = probe\r\n"
		      "[sched]\r\n"
		      "cgroup = ; empty\r\n");
	assert_string_equal(cfg->vm.name, "crlf");
	assert_int_equal(cfg->vm.vcpus, 2);
	assert_int_equal(cfg->vm.memory_bytes, 64ull << 20);
	assert_string_equal(cfg->sched.defaults.cgroup, "");

	/* Found by fuzzing: blanks and BOMs before line 1's header hid it from our reader
	 * while inih still took it as a header. */
	parse_ok(cfg, "\f\xef\xbb\xbf [boot] \npayload = probe\n");
	assert_int_equal(cfg->boot.payload, CFG_PAYLOAD_PROBE);
	parse_ok(cfg, "\xef\xbb\xbf\xef\xbb\xbf\xef\xbb\xbf[boot]\npayload = probe\n");
	assert_int_equal(cfg->boot.lines.section, 1);

	/* A line of exactly CFG_LINE_MAX characters is accepted. */
	memset(line, 'x', sizeof(line));
	line[0] = ';';
	line[CFG_LINE_MAX] = '\0';
	text = malloc(strlen(line) + 64);
	assert_non_null(text);
	sprintf(text, "%s\n[boot]\npayload = probe\n", line);
	parse_ok(cfg, text);
	free(text);
}

static void test_config_finalize_twice_is_stable(void **state)
{
	struct cfg *cfg = *state;
	struct cfg_error err;
	struct cfg *copy = malloc(sizeof(*copy));

	assert_non_null(copy);
	parse_ok(cfg, full_file);
	memcpy(copy, cfg, sizeof(*copy));
	assert_int_equal(cfg_finalize(cfg, &err), 0);
	assert_memory_equal(copy, cfg, sizeof(*copy));
	free(copy);
}

/* ---- malformed inputs ---- */

struct bad_case {
	const char *text;
	unsigned line;
	const char *section, *key, *what;
};

#define LONG_LINE_MARK "@LONG@"

static const struct bad_case bad_cases[] = {
	/* sizes */
	{ "[vm]\nmemory = 12Q\n", 2, "vm", "memory", "expected a size such as 512M or 2G" },
	{ "[vm]\nmemory = 512MB\n", 2, "vm", "memory", "expected a size such as 512M" },
	{ "[vm]\nmemory = -1G\n", 2, "vm", "memory", "expected a size such as 512M" },
	{ "[vm]\nmemory = 1.5G\n", 2, "vm", "memory", "expected a size such as 512M" },
	{ "[vm]\nmemory = 1M\n", 2, "vm", "memory", "expected a size from 2M to 1T" },
	{ "[vm]\nmemory = 2T\n", 2, "vm", "memory", "expected a size from 2M to 1T" },
	{ "[vm]\nmemory = 99999999999999999999G\n", 2, "vm", "memory", "from 2M to 1T" },
	{ "[vm]\nmemory = 3000001\n", 2, "vm", "memory", "expected a multiple of 4K" },
	{ "[vm]\nmemory =\n", 2, "vm", "memory", "expected a size such as 512M" },
	/* integers: range, sign, junk, empty */
	{ "[vm]\nvcpus = 0\n", 2, "vm", "vcpus", "expected an integer from 1 to 256" },
	{ "[vm]\nvcpus = 257\n", 2, "vm", "vcpus", "expected an integer from 1 to 256" },
	{ "[vm]\nvcpus = -1\n", 2, "vm", "vcpus", "expected an integer from 1 to 256" },
	{ "[vm]\nvcpus = 2x\n", 2, "vm", "vcpus", "expected an integer from 1 to 256" },
	{ "[vm]\nvcpus = 0x2\n", 2, "vm", "vcpus", "expected an integer from 1 to 256" },
	{ "[vm]\nvcpus =\n", 2, "vm", "vcpus", "expected an integer from 1 to 256" },
	{ "[vm]\nvcpus = 2 # two\n", 2, "vm", "vcpus", "expected an integer" },
	{ "[sched]\nrt_priority = 0\n", 2, "sched", "rt_priority", "from 1 to 99" },
	{ "[sched]\nrt_priority = 100\n", 2, "sched", "rt_priority", "from 1 to 99" },
	{ "[sched]\nbus_lock_ratelimit = 1000001\n", 2, "sched", "bus_lock_ratelimit",
	  "from 0 to 1000000" },
	{ "[sched]\nbus_lock_slice_ms = 0\n", 2, "sched", "bus_lock_slice_ms",
	  "from 1 to 60000" },
	{ "[sched]\nhalt_poll_ns = 10000000001\n", 2, "sched", "halt_poll_ns",
	  "from 0 to 10000000000" },
	{ "[sched]\nhalt_poll_ns = -1\n", 2, "sched", "halt_poll_ns", "or empty for the host" },
	{ "[sched]\ncgroup_rt_runtime_us = 1000001\n", 2, "sched", "cgroup_rt_runtime_us",
	  "from 0 to 1000000" },
	{ "[probe]\nduration = 0\n", 2, "probe", "duration", "from 1 to 86400" },
	{ "[probe]\nduration = 10s\n", 2, "probe", "duration", "from 1 to 86400" },
	{ "[probe]\nthreshold_us = 0\n", 2, "probe", "threshold_us", "from 1 to 1000000" },
	{ "[probe]\ninterval_us = 9\n", 2, "probe", "interval_us", "from 10 to 1000000" },
	{ "[memory]\nnuma_node = 1024\n", 2, "memory", "numa_node",
	  "auto, none or a node number from 0 to 1023" },
	{ "[memory]\nnuma_node = -1\n", 2, "memory", "numa_node", "auto, none or a node" },
	/* enums, booleans, strings */
	{ "[vm]\nstrict = maybe\n", 2, "vm", "strict", "expected a boolean: true, false" },
	{ "[memory]\nlock = 2\n", 2, "memory", "lock", "expected a boolean" },
	{ "[sched]\ndelay_rt =\n", 2, "sched", "delay_rt", "expected a boolean" },
	{ "[vm]\non_reset = restart\n", 2, "vm", "on_reset", "expected one of exit, reboot" },
	{ "[vm]\nseccomp = strict\n", 2, "vm", "seccomp", "expected one of on, log, off" },
	{ "[memory]\nhugepages = 4M\n", 2, "memory", "hugepages", "one of off, thp, 2M, 1G" },
	{ "[sched]\npolicy = batch\n", 2, "sched", "policy", "one of other, rr, fifo" },
	{ "[sched]\npolicy =\n", 2, "sched", "policy", "one of other, rr, fifo" },
	{ "[sched]\ncore_scheduling = smt\n", 2, "sched", "core_scheduling",
	  "one of off, vcpu, vm" },
	{ "[probe]\nmode = sleep\n", 2, "probe", "mode", "one of noise, wake" },
	{ "[vm]\nname = my vm\n", 2, "vm", "name", "a name of 1 to 63 characters" },
	{ "[vm]\nname =\n", 2, "vm", "name", "a name of 1 to 63 characters" },
	{ "[vm]\nname = -x\n", 2, "vm", "name", "a name of 1 to 63 characters" },
	{ "[vm]\nname = a123456789012345678901234567890123456789012345678901234567890123\n", 2,
	  "vm", "name", "a name of 1 to 63 characters" },
	{ "[sched]\ncgroup = /rtvmm\n", 2, "sched", "cgroup", "no leading '/'" },
	{ "[sched]\ncgroup = rtvmm/../x\n", 2, "sched", "cgroup", "cgroup path relative" },
	{ "[sched]\ncgroup = a//b\n", 2, "sched", "cgroup", "cgroup path relative" },
	{ "[sched]\ncgroup = a b\n", 2, "sched", "cgroup", "cgroup path relative" },
	{ "[console]\nserial = file:\n", 2, "console", "serial", "stdio, null or file:PATH" },
	{ "[console]\nserial = tty\n", 2, "console", "serial", "stdio, null or file:PATH" },
	/* disable_exits */
	{ "[sched]\ndisable_exits = hlt,foo\n", 2, "sched", "disable_exits",
	  "comma-separated list of hlt, pause, mwait, cstate" },
	{ "[sched]\ndisable_exits = none,hlt\n", 2, "sched", "disable_exits", "or none" },
	{ "[sched]\ndisable_exits = hlt,\n", 2, "sched", "disable_exits", "comma-separated" },
	{ "[sched]\ndisable_exits = hlt pause\n", 2, "sched", "disable_exits",
	  "comma-separated" },
	/* CPU lists */
	{ "[sched]\nemulator_cpus = 3-1\n", 2, "sched", "emulator_cpus", "a CPU list such as" },
	{ "[sched]\nemulator_cpus = 1024\n", 2, "sched", "emulator_cpus", "CPUs 0 to 1023" },
	{ "[vcpu.0]\ncpus = 0-x\n", 2, "vcpu.0", "cpus", "auto or a CPU list such as 2" },
	{ "[vcpu.0]\ncpus =\n", 2, "vcpu.0", "cpus", "auto or a CPU list" },
	{ "[vcpu.0]\ncpus = 1,,2\n", 2, "vcpu.0", "cpus", "auto or a CPU list" },
	{ "[vcpu.1]\ncpus = 2048\n", 2, "vcpu.1", "cpus", "CPUs 0 to 1023" },
	/* [vcpu.N] sections and their keys */
	{ "[vm]\nvcpus = 2\n[boot]\npayload = probe\n[vcpu.2]\ncpus = 1\n", 5, "vcpu.2", "",
	  "expected a vCPU number below vcpus = 2" },
	{ "[boot]\npayload = probe\n\n[vcpu.3]\n", 4, "vcpu.3", "", "below vcpus = 1" },
	{ "[vcpu.x]\ncpus = 1\n", 1, "vcpu.x", "", "vcpu.N with N from 0 to 255" },
	{ "[vcpu.-1]\ncpus = 1\n", 1, "vcpu.-1", "", "vcpu.N with N from 0 to 255" },
	{ "[vm]\n[vcpu.256]\n", 2, "vcpu.256", "", "vcpu.N with N from 0 to 255" },
	{ "[vcpu.01]\n", 1, "vcpu.01", "", "vcpu.N with N from 0 to 255" },
	{ "[vcpu.]\n", 1, "vcpu.", "", "vcpu.N with N from 0 to 255" },
	{ "[vcpu.0]\nhalt_poll_ns = 0\n", 2, "vcpu.0", "halt_poll_ns",
	  "halt_poll_ns is VM-wide; set it in [sched]" },
	{ "[vcpu.0]\nemulator_cpus = 1\n", 2, "vcpu.0", "emulator_cpus", "is VM-wide" },
	{ "[vcpu.0]\nbus_lock_ratelimit = 1\n", 2, "vcpu.0", "bus_lock_ratelimit",
	  "is VM-wide" },
	{ "[vcpu.0]\ncgroup_rt_runtime_us = 1\n", 2, "vcpu.0", "cgroup_rt_runtime_us",
	  "is VM-wide" },
	{ "[vcpu.0]\nmemory = 1G\n", 2, "vcpu.0", "memory",
	  "unknown key 'memory' (known keys: cpus, policy, rt_priority, delay_rt, "
	  "boost_uclamp, core_scheduling, cgroup)" },
	/* unknown and repeated sections and keys */
	{ "[vmm]\nvcpus = 1\n", 1, "vmm", "",
	  "unknown section [vmm] (known sections: vm, boot, memory, sched, vcpu.N, probe, "
	  "console)" },
	{ "[VM]\n", 1, "VM", "", "unknown section [VM]" },
	{ "[vm]\nmemroy = 1G\n", 2, "vm", "memroy",
	  "unknown key 'memroy' (known keys: name, memory, vcpus, control, strict, "
	  "on_reset, seccomp)" },
	{ "[sched]\ncpus = 1\n", 2, "sched", "cpus", "unknown key 'cpus'" },
	{ "[vm]\nmemory = 1G\nvcpus = 2\nmemory = 2G\n", 4, "vm", "memory",
	  "duplicate key, first set at line 2" },
	{ "[vcpu.0]\ncpus = 1\n\ncpus = 2\n", 4, "vcpu.0", "cpus",
	  "duplicate key, first set at line 2" },
	{ "[vm]\nvcpus = 2\n[boot]\n[vm]\n", 4, "vm", "", "expected each section once (first "
							   "at line 1)" },
	{ "[vcpu.1]\n[vcpu.1]\n", 2, "vcpu.1", "", "expected each section once" },
	{ "vcpus = 2\n[vm]\n", 1, "", "vcpus", "outside any section" },
	/* [boot] cross-checks */
	{ "[boot]\nkernel = k\npayload = probe\n", 3, "boot", "payload",
	  "expected either kernel or payload, not both (kernel is set at line 2" },
	{ "[vm]\nvcpus = 1\n\n[boot]\ncmdline =\n", 4, "boot", "",
	  "expected kernel = PATH (a bzImage) or payload = probe|PATH" },
	{ "[vm]\nvcpus = 1\n", 0, "boot", "", "expected kernel = PATH" },
	{ "[boot]\npayload = probe\ninitrd = rd\n", 3, "boot", "initrd",
	  "expected no initrd with payload" },
	{ "[boot]\ncmdline = quiet\npayload = probe\n", 2, "boot", "cmdline",
	  "expected no cmdline with payload" },
	/* lines inih cannot split */
	{ "[vm]\nvcpus 2\n", 2, "", "", "expected '[section]' or 'key = value'" },
	{ "[vm]\n= 2\n", 2, "", "", "expected '[section]' or 'key = value'" },
	{ "[vm\nvcpus = 2\n", 1, "", "", "expected ']' to close the section header" },
	{ "[vm ; comment]\n", 1, "", "", "expected ']' to close the section header" },
	{ "[vm] vcpus = 2\n", 1, "vm", "", "expected nothing after the section header" },
	{ "[vm]\n" LONG_LINE_MARK "\n", 2, "", "", "expected a line of at most 4096 characters" },
	/* the first error wins, whatever kind it is */
	{ "[vm]\nvcpus 2\nmemory = 12Q\n", 2, "", "", "expected '[section]' or 'key = value'" },
	{ "[vm]\nmemory = 12Q\nvcpus 2\n", 2, "vm", "memory", "expected a size" },
	{ "[vm]\nmemory = 12Q\n[nope]\n", 2, "vm", "memory", "expected a size" },
	{ "[vm]\nvcpus = 2\n[vcpu.5]\n[boot]\nkernel = k\npayload = probe\n", 6, "boot",
	  "payload", "not both" },
};

/* Replace LONG_LINE_MARK in @text by "cmdline = " and enough x's to pass the limit. */
static char *expand_text(const char *text)
{
	const char *mark = strstr(text, LONG_LINE_MARK);
	size_t n = strlen(text) + CFG_LINE_MAX + 16;
	char *out = malloc(n), *p;

	assert_non_null(out);
	if (!mark) {
		memcpy(out, text, strlen(text) + 1);
		return out;
	}
	memcpy(out, text, (size_t)(mark - text));
	p = out + (mark - text);
	p += sprintf(p, "cmdline = ");
	memset(p, 'x', CFG_LINE_MAX + 1 - strlen("cmdline = "));
	p += CFG_LINE_MAX + 1 - strlen("cmdline = ");
	strcpy(p, mark + strlen(LONG_LINE_MARK));
	return out;
}

static void test_config_malformed_inputs(void **state)
{
	struct cfg *cfg = *state;
	size_t n = sizeof(bad_cases) / sizeof(bad_cases[0]);

	/* The brief asks for at least 35; losing cases by accident should show. */
	assert_true(n >= 35);
	for (size_t i = 0; i < n; i++) {
		const struct bad_case *c = &bad_cases[i];
		char *text = expand_text(c->text);
		char prefix[32];
		struct cfg_error err;
		int ret;

		cfg_init(cfg);
		memset(&err, 0x5a, sizeof(err));
		ret = cfg_parse_string(cfg, text, "t.ini", "/d", &err);
		if (!ret)
			ret = cfg_finalize(cfg, &err);
		free(text);
		if (ret != -EINVAL)
			fail_msg("case %zu (%s): accepted", i, c->text);
		if (c->line)
			snprintf(prefix, sizeof(prefix), "t.ini:%u: ", c->line);
		else
			snprintf(prefix, sizeof(prefix), "t.ini: ");
		if (err.line != c->line || strcmp(err.file, "t.ini") ||
		    strcmp(err.section, c->section) || strcmp(err.key, c->key) ||
		    strncmp(err.msg, prefix, strlen(prefix)) || !strstr(err.msg, c->what))
			fail_msg("case %zu: got line %u [%s] key '%s': \"%s\"", i, err.line,
				 err.section, err.key, err.msg);
	}
}

static void test_config_error_messages_exact(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[vm]\nname = x\nvcpus = 1\nmemory = 12Q\n",
		  "vm.ini:4: [vm] memory = '12Q': expected a size such as 512M or 2G (suffixes K, "
		  "M, G, T)" },
		{ "[vm]\n\n\n\n\n\nvcpus 2\n", "vm.ini:7: expected '[section]' or 'key = value'" },
		{ "\n[vm]\nmemroy = 1G\n",
		  "vm.ini:3: [vm] unknown key 'memroy' (known keys: name, memory, vcpus, control, "
		  "strict, on_reset, seccomp)" },
		{ "[vcpu.1]\nhalt_poll_ns = 5\n",
		  "vm.ini:2: [vcpu.1] halt_poll_ns = '5': halt_poll_ns is VM-wide; set it in "
		  "[sched]" },
	};
	struct cfg *cfg = *state;
	struct cfg_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg_init(cfg);
		assert_int_equal(cfg_parse_string(cfg, cases[i].text, "vm.ini", NULL, &err),
				 -EINVAL);
		assert_string_equal(err.msg, cases[i].msg);
	}
	/* A long value is cut in the message, not the message's end. */
	{
		char text[600];

		memset(text, 0, sizeof(text));
		strcpy(text, "[vm]\nname = ");
		memset(text + strlen(text), 'a', 400);
		cfg_init(cfg);
		assert_int_equal(cfg_parse_string(cfg, text, "vm.ini", NULL, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "...': expected a name"));
		assert_int_equal(strlen(err.value), sizeof(err.value) - 1);
	}
}

static void test_config_parse_size(void **state)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t bytes;
	} cases[] = {
		{ "0", 0, 0 },
		{ "4096", 0, 4096 },
		{ "4k", 0, 4096 },
		{ "512M", 0, 512ull << 20 },
		{ "2g", 0, 2ull << 30 },
		{ "1T", 0, 1ull << 40 },
		{ "16777215T", 0, 16777215ull << 40 },
		{ "16777216T", -ERANGE, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ "1MB", -EINVAL, 0 },
		{ "1 M", -EINVAL, 0 },
		{ " 1M", -EINVAL, 0 },
		{ "1P", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t bytes = 12345;

		if (cfg_parse_size(cases[i].s, &bytes) != cases[i].ret)
			fail_msg("cfg_parse_size(\"%s\") != %d", cases[i].s, cases[i].ret);
		if (!cases[i].ret && bytes != cases[i].bytes)
			fail_msg("cfg_parse_size(\"%s\") gave %llu", cases[i].s,
				 (unsigned long long)bytes);
	}
}

static void test_config_booleans(void **state)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "TRUE", "Yes" };
	static const char *const no[] = { "false", "no", "off", "0", "False", "OFF" };
	struct cfg *cfg = *state;
	char set[64];

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		cfg_init(cfg);
		snprintf(set, sizeof(set), "vm.strict=%s", yes[i]);
		set_ok(cfg, set);
		assert_true(cfg->vm.strict);
		snprintf(set, sizeof(set), "vm.strict=%s", no[i]);
		set_ok(cfg, set);
		assert_false(cfg->vm.strict);
	}
}

static void test_config_names(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(cfg_policy_name(CFG_POLICY_OTHER), "other");
	assert_string_equal(cfg_policy_name(CFG_POLICY_RR), "rr");
	assert_string_equal(cfg_policy_name(CFG_POLICY_FIFO), "fifo");
	assert_string_equal(cfg_policy_name((enum cfg_policy)42), "?");
	assert_string_equal(cfg_core_sched_name(CFG_CORE_SCHED_VM), "vm");
	assert_string_equal(cfg_hugepages_name(CFG_HUGEPAGES_2M), "2M");
	assert_string_equal(cfg_hugepages_name(CFG_HUGEPAGES_1G), "1G");
	assert_string_equal(cfg_on_reset_name(CFG_ON_RESET_REBOOT), "reboot");
	assert_string_equal(cfg_seccomp_name(CFG_SECCOMP_LOG), "log");
	assert_string_equal(cfg_payload_name(CFG_PAYLOAD_PROBE), "probe");
	assert_string_equal(cfg_probe_mode_name(CFG_PROBE_WAKE), "wake");
	assert_string_equal(cfg_serial_name(CFG_SERIAL_FILE), "file");

	assert_int_equal(cfg_disable_exits_format(0, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "none");
	assert_int_equal(cfg_disable_exits_format(CFG_EXIT_PAUSE | CFG_EXIT_HLT, buf, sizeof(buf)),
			 9);
	assert_string_equal(buf, "hlt,pause");
	assert_int_equal(cfg_disable_exits_format(CFG_EXIT_HLT | CFG_EXIT_PAUSE, buf, 9), -ENOSPC);
	/* The bits are KVM's, so the VM layer passes them through unchanged. */
	assert_int_equal(CFG_EXIT_MWAIT, 1);
	assert_int_equal(CFG_EXIT_HLT, 2);
	assert_int_equal(CFG_EXIT_PAUSE, 4);
	assert_int_equal(CFG_EXIT_CSTATE, 8);
}

static void test_config_default_name_from_stem(void **state)
{
	static const struct {
		const char *display, *name;
	} cases[] = {
		{ "configs/rt-guest.ini", "rt-guest" },
		{ "/etc/rtvmm/db.prod.ini", "db.prod" },
		{ "noext", "noext" },
		{ "dir/my vm.ini", "my_vm" },
		{ ".hidden.ini", "_hidden" },
		{ "", "vm" },
	};
	struct cfg *cfg = *state;
	struct cfg_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg_init(cfg);
		assert_int_equal(cfg_parse_string(cfg, "[boot]\npayload=probe\n", cases[i].display,
						  NULL, &err),
				 0);
		assert_int_equal(cfg_finalize(cfg, &err), 0);
		assert_string_equal(cfg->vm.name, cases[i].name);
	}
}

/* The shipped configs parse. Skipped when the tree is not where the build said. */
static void test_config_shipped_files_parse(void **state)
{
	static const char *const files[] = { "config/probe.ini", "config/default.ini",
					      "config/examples/rt-guest.ini" };
	static const char self[] = "tests/unit/test_config.c";
	const char *src = __FILE__;
	size_t root_len = strlen(src) - strlen(self);
	struct cfg *cfg = *state;
	struct cfg_error err;
	char path[PATH_MAX];

	if (strlen(src) < strlen(self) || strcmp(src + root_len, self)) {
		skip();
		return;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%.*s%s", (int)root_len, src, files[i]);
		if (access(path, R_OK)) {
			print_message("skipped: %s not found from here\n", path);
			skip();
			return;
		}
		if (cfg_load(cfg, path, NULL, 0, &err))
			fail_msg("%s", err.msg);
	}
	/* probe.ini is the probe demo: 2 vCPUs on CPUs 0 and 1. */
	snprintf(path, sizeof(path), "%.*s%s", (int)root_len, src, files[0]);
	assert_int_equal(cfg_load(cfg, path, NULL, 0, &err), 0);
	assert_int_equal(cfg->vm.vcpus, 2);
	assert_int_equal(cfg->vm.memory_bytes, 64ull << 20);
	assert_int_equal(cfg->boot.payload, CFG_PAYLOAD_PROBE);
	assert_cpus(&cfg->vcpu[0].cpus, "0");
	assert_cpus(&cfg->vcpu[1].cpus, "1");
	assert_int_equal(cfg->probe.duration_s, 3);
	assert_string_equal(cfg->vm.name, "probe");

	/* default.ini boots the Debian guest from build/assets on the same placement */
	snprintf(path, sizeof(path), "%.*s%s", (int)root_len, src, files[1]);
	assert_int_equal(cfg_load(cfg, path, NULL, 0, &err), 0);
	assert_int_equal(cfg->boot.payload, CFG_PAYLOAD_NONE);
	assert_non_null(strstr(cfg->boot.kernel, "/build/assets/cloud/bzImage"));
	assert_non_null(strstr(cfg->boot.initrd, "/build/assets/guest-initramfs.cpio.gz"));
	assert_int_equal(cfg->vm.vcpus, 2);
	assert_cpus(&cfg->vcpu[0].cpus, "0");
	assert_cpus(&cfg->vcpu[1].cpus, "1");
	assert_int_equal(cfg->vcpu[1].sched.policy, CFG_POLICY_RR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_full_file_every_key),
		cmocka_unit_test(test_config_other_values),
		cmocka_unit_test(test_config_vcpu_overrides_any_order),
		cmocka_unit_test(test_config_set_overrides),
		cmocka_unit_test(test_config_set_switch_boot_source),
		cmocka_unit_test(test_config_set_errors),
		cmocka_unit_test(test_config_relative_paths),
		cmocka_unit_test(test_config_parse_file_resolves_against_its_folder),
		cmocka_unit_test(test_config_missing_file),
		cmocka_unit_test(test_config_file_with_nul_byte),
		cmocka_unit_test(test_config_file_too_big),
		cmocka_unit_test(test_config_lexical_tolerance),
		cmocka_unit_test(test_config_finalize_twice_is_stable),
		cmocka_unit_test(test_config_malformed_inputs),
		cmocka_unit_test(test_config_error_messages_exact),
		cmocka_unit_test(test_config_parse_size),
		cmocka_unit_test(test_config_booleans),
		cmocka_unit_test(test_config_names),
		cmocka_unit_test(test_config_default_name_from_stem),
		cmocka_unit_test(test_config_shipped_files_parse),
	};

	return cmocka_run_group_tests(tests, setup_cfg, teardown_cfg);
}
