// SPDX-License-Identifier: Apache-2.0
/*
 * VM lifetime (see vm.h): creation in dependency order, teardown in reverse, the start
 * barrier that lets every vCPU thread set itself up before any enters the guest, and
 * the end state that the first VM-ending event records.
 */
#include "vm.h"

#include "boot/acpi.h"
#include "cpuid.h"
#include "guest/abi.h"
#include "log.h"

#include "../config/cpulist.h"
#include "../sched/numa.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

_Static_assert(CFG_EXIT_MWAIT == KVM_X86_DISABLE_EXITS_MWAIT &&
		       CFG_EXIT_HLT == KVM_X86_DISABLE_EXITS_HLT &&
		       CFG_EXIT_PAUSE == KVM_X86_DISABLE_EXITS_PAUSE &&
		       CFG_EXIT_CSTATE == KVM_X86_DISABLE_EXITS_CSTATE,
	       "config exit bits are KVM's");

/* Where KVM may put the TSS Intel VMX needs; inside the MMIO hole, above any device. */
#define VM_TSS_ADDR 0xfffbd000UL

static void console_sink(void *ctx, const void *buf, size_t len)
{
	console_write(ctx, buf, len);
}

static void debugexit_sink(void *ctx, int status)
{
	vm_end(ctx, VM_END_POWEROFF, status, "the guest wrote %d to the debug-exit port",
	       status);
}

/* A device's interrupt line: the in-kernel PIC and IOAPIC take it by GSI. */
static void irq_line_set(void *ctx, unsigned line, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level irq = { .irq = line, .level = (uint32_t)level };

	int ret = kvm_ioctl(vm->fd, KVM_IRQ_LINE, &irq);

	if (ret < 0)
		log_dbg("KVM_IRQ_LINE %u: %s", line, strerror(-ret));
}

static void power_sink(void *ctx, enum dev_power_event event)
{
	/* the first vm_end() wins: Linux repeats its reset write until it takes */
	if (event == DEV_POWER_OFF)
		vm_end(ctx, VM_END_POWEROFF, 0, "the guest powered off");
	else
		vm_end(ctx, VM_END_RESET, 0, "the guest asked for a reset");
}

/* The UART has room for input again: the main loop hears it on the VM's eventfd. */
static void uart_room(void *ctx)
{
	struct vm *vm = ctx;
	uint64_t one = 1;

	if (write(vm->event_fd, &one, sizeof(one)) < 0)
		log_dbg("eventfd: %s", strerror(errno));
}

void *vm_gpa_to_hva(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t low = vm->mem_bytes < VM_LOW_MEM_LIMIT ? vm->mem_bytes : VM_LOW_MEM_LIMIT;
	uint64_t high_end = (4ULL << 30) + (vm->mem_bytes - low);

	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= low)
		return vm->mem + gpa;
	if (gpa >= (4ULL << 30) && gpa + len <= high_end)
		return vm->mem + low + (gpa - (4ULL << 30));
	return NULL;
}

static int vm_set_region(struct vm *vm, unsigned slot, uint64_t gpa, uint64_t size,
			 void *hva)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(unsigned long)hva,
	};
	int ret = kvm_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);

	if (ret < 0)
		log_err("memory slot %u at 0x%llx (%llu bytes): %s", slot,
			(unsigned long long)gpa, (unsigned long long)size, strerror(-ret));
	return ret;
}

int vm_feature_failed(struct vm *vm, enum vm_feature feature, int err, const char *fmt, ...)
{
	bool strict = vm->cfg->vm.strict;
	char msg[768];
	va_list ap;

	if (strict)
		atomic_store(&vm->refused, true);
	if (atomic_exchange(&vm->warned[feature], true))
		return strict ? err : 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strict)
		log_err("%s ([vm] strict = true: not starting)", msg);
	else
		log_warn("%s; continuing without it", msg);
	return strict ? err : 0;
}

/*
 * Maps guest RAM where the plan puts it (NUMA node, page size), then populates and
 * locks it so no page fault lands in a vCPU's measurement, and says where it ended up.
 */
static int vm_map_memory(struct vm *vm)
{
	const struct plan_memory *pm = &vm->plan->memory;
	struct numa_mem_req req = { .node = pm->node, .hugepages = pm->hugepages };
	struct numa_mem_report rep;
	char err[768], where[512], node[32] = "";
	const char *pages;
	void *mem;
	int ret;

	vm->mem_bytes = vm->cfg->vm.memory_bytes;
	ret = numa_mem_map(&mem, vm->mem_bytes, &req, err, sizeof(err));
	if (ret == -EOPNOTSUPP) {
		ret = vm_feature_failed(vm, VM_FEAT_HUGEPAGES, ret, "[memory] hugepages = %s: %s",
					cfg_hugepages_name(req.hugepages), err);
		if (ret)
			return ret;
		req.hugepages = CFG_HUGEPAGES_OFF;
		ret = numa_mem_map(&mem, vm->mem_bytes, &req, err, sizeof(err));
	}
	if (ret) {
		log_err("guest memory (%llu MiB): %s", (unsigned long long)vm->mem_bytes >> 20,
			err);
		/* the config asks for pages or a node this host does not have */
		return ret == -ENOMEM && req.hugepages >= CFG_HUGEPAGES_2M ? -EINVAL : ret;
	}
	vm->mem = mem;
	vm->mem_page_bytes = numa_page_bytes(req.hugepages);
	if (pm->prefault && (ret = numa_mem_prefault(mem, vm->mem_bytes, &req, err, sizeof(err)))) {
		log_err("guest memory: %s", err);
		return ret;
	}
	if (pm->lock && (ret = numa_mem_lock(mem, vm->mem_bytes, err, sizeof(err))) &&
	    (ret = vm_feature_failed(vm, VM_FEAT_MLOCK, ret, "[memory] lock: %s", err)))
		return ret;
	if (pm->node >= 0)
		snprintf(node, sizeof(node), ", bound to node %d", pm->node);
	/* only populated pages have a node: without prefault there is nothing to show yet */
	if (!pm->prefault || numa_mem_where(mem, vm->mem_bytes, vm->mem_page_bytes, &rep))
		return 0;
	numa_mem_pagesize(mem, vm->mem_bytes, "/proc", &rep); /* adds the page size seen */
	pages = req.hugepages == CFG_HUGEPAGES_OFF ? "4K" : cfg_hugepages_name(req.hugepages);
	if (numa_mem_report_format(&rep, where, sizeof(where)) >= 0)
		log_info("guest memory: %llu MiB, %s pages%s; %s",
			 (unsigned long long)vm->mem_bytes >> 20, pages, node, where);
	return 0;
}

/*
 * Bus-lock exits feed the VM-wide limiter. KVM reports them only when asked to, and
 * only on hosts whose CPU can detect bus locks (Intel since Ice Lake / Tremont).
 */
static int vm_setup_bus_lock(struct vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_BUS_LOCK_EXIT,
				      .args[0] = KVM_BUS_LOCK_DETECTION_EXIT };
	uint32_t rate = vm->cfg->sched.bus_lock_ratelimit;
	char err[256];
	int ret;

	ret = ratelimit_init(&vm->bus_lock_limit, rate, vm->cfg->sched.bus_lock_slice_ms, err,
			     sizeof(err));
	if (ret) {
		log_err("[sched] bus_lock_ratelimit: %s", err);
		return ret;
	}
	vm->bus_lock_limit_ready = true;
	if (!rate)
		return 0;
	ret = kvm_sys_cap(&vm->kvm, KVM_CAP_X86_BUS_LOCK_EXIT) & KVM_BUS_LOCK_DETECTION_EXIT ?
		      kvm_ioctl(vm->fd, KVM_ENABLE_CAP, &cap) : -EOPNOTSUPP;
	if (ret < 0)
		return vm_feature_failed(vm, VM_FEAT_BUS_LOCK, ret,
					 "[sched] bus_lock_ratelimit = %u: this host's KVM cannot "
					 "report bus locks (KVM_CAP_X86_BUS_LOCK_EXIT: %s; it "
					 "needs Linux "
					 "5.12+ and a CPU with bus-lock detection)", rate,
					 strerror(-ret));
	return 0;
}

/* KVM knobs that shorten wake-up latency; both must be set before vCPUs exist. */
static int vm_setup_latency_caps(struct vm *vm)
{
	const struct cfg *cfg = vm->cfg;
	struct kvm_enable_cap cap = { 0 };
	int ret;

	if (cfg->sched.halt_poll_ns != CFG_HALT_POLL_DEFAULT) {
		cap.cap = KVM_CAP_HALT_POLL;
		cap.args[0] = (uint64_t)cfg->sched.halt_poll_ns;
		ret = kvm_sys_cap(&vm->kvm, KVM_CAP_HALT_POLL) ?
			      kvm_ioctl(vm->fd, KVM_ENABLE_CAP, &cap) : -EOPNOTSUPP;
		if (ret < 0)
			ret = vm_feature_failed(vm, VM_FEAT_HALT_POLL, ret,
						"[sched] halt_poll_ns: KVM_CAP_HALT_POLL: %s",
						strerror(-ret));
		if (ret)
			return ret;
	}
	if (cfg->sched.disable_exits) {
		/* the config's bits are KVM's KVM_X86_DISABLE_EXITS_* bits */
		unsigned supported = (unsigned)kvm_sys_cap(&vm->kvm, KVM_CAP_X86_DISABLE_EXITS);
		unsigned want = cfg->sched.disable_exits, got = want & supported;

		if (got != want) {
			char missing[64];

			cfg_disable_exits_format(want & ~got, missing, sizeof(missing));
			if (vm_feature_failed(vm, VM_FEAT_DISABLE_EXITS, -EOPNOTSUPP,
					      "[sched] disable_exits: this host cannot disable %s "
					      "exits", missing))
				return -EOPNOTSUPP;
		}
		cap.cap = KVM_CAP_X86_DISABLE_EXITS;
		cap.args[0] = got;
		ret = got ? kvm_ioctl(vm->fd, KVM_ENABLE_CAP, &cap) : 0;
		if (ret < 0 && (ret = vm_feature_failed(vm, VM_FEAT_DISABLE_EXITS, ret,
							"[sched] disable_exits: %s",
							strerror(-ret))))
			return ret;
	}
	return 0;
}

/* Guest RAM: one mapping, split into slots around the MMIO hole below 4 GiB. */
static int vm_setup_memory(struct vm *vm)
{
	uint64_t low;
	int ret;

	ret = vm_map_memory(vm);
	if (ret)
		return ret;
	low = vm->mem_bytes < VM_LOW_MEM_LIMIT ? vm->mem_bytes : VM_LOW_MEM_LIMIT;
	ret = vm_set_region(vm, 0, 0, low, vm->mem);
	if (!ret && vm->mem_bytes > low)
		ret = vm_set_region(vm, 1, 4ULL << 30, vm->mem_bytes - low, vm->mem + low);
	return ret;
}

/*
 * The vCPUs' cgroups, made ready before any vCPU thread starts: created where missing,
 * with the cpuset of the vCPUs they hold and, for RT threads under RT group
 * scheduling, a cpu.rt_runtime_us budget. The threads then join them themselves.
 */
static int vm_setup_cgroups(struct vm *vm)
{
	const struct plan *plan = vm->plan;
	char err[768], info[512];
	int ret = 0;

	bool any = false;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		any |= plan->vcpu[i].cgroup[0] != 0;
	if (!any)
		return 0;
	ret = cg_host_detect(&vm->cg_host, err, sizeof(err));
	if (ret)
		return vm_feature_failed(vm, VM_FEAT_CGROUP, ret, "[sched] cgroup: %s", err);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const char *path = plan->vcpu[i].cgroup;
		cpu_set_t cpus;
		bool rt = false, seen = false;

		for (unsigned j = 0; j < i && !seen; j++)
			seen = strcmp(plan->vcpu[j].cgroup, path) == 0;
		if (!path[0] || seen)
			continue;
		/* one cgroup, every vCPU that goes into it */
		CPU_ZERO(&cpus);
		for (unsigned j = i; j < vm->nr_vcpus; j++) {
			if (strcmp(plan->vcpu[j].cgroup, path))
				continue;
			CPU_OR(&cpus, &cpus, &plan->vcpu[j].cpus);
			rt |= plan->vcpu[j].policy != SCHED_OTHER;
		}
		info[0] = 0;
		ret = cg_prepare(&vm->cg, &vm->cg_host, path, &cpus, plan->memory.node, rt,
				 vm->cfg->sched.cgroup_rt_runtime_us, info, sizeof(info), err,
				 sizeof(err));
		if (ret)
			return vm_feature_failed(vm, VM_FEAT_CGROUP, ret, "[sched] cgroup = %s: %s",
						 path, err);
		if (info[0])
			log_info("%s", info);
	}
	vm->cg_active = true;
	return 0;
}

int vm_cgroup_attach(struct vm *vm, unsigned id, pid_t tid, char *err, size_t errlen)
{
	const char *path = vm->plan->vcpu[id].cgroup;

	if (!vm->cg_active || !path[0])
		return 0;
	return cg_attach_thread(&vm->cg_host, path, tid, err, errlen);
}

int vm_cgroup_check_cpus(struct vm *vm, unsigned id, const struct sched_thread_plan *plan,
			 char *err, size_t errlen)
{
	const char *path = vm->plan->vcpu[id].cgroup;
	char want[256], allowed[256];
	cpu_set_t eff, inside, outside;
	int ret;

	if (!vm->cg_active || !path[0] || !plan->pin || !vm->vcpus[id]->in_cgroup)
		return 0;
	ret = cg_effective_cpus(&vm->cg_host, path, &eff, err, errlen);
	if (ret == -EOPNOTSUPP)
		return 0;	/* no cpuset controller: nothing narrows the pinning */
	if (ret)
		return ret;
	CPU_AND(&inside, &plan->cpus, &eff);
	CPU_XOR(&outside, &plan->cpus, &inside);
	if (!CPU_COUNT(&outside))
		return 0;
	cpulist_format(&outside, want, sizeof(want));
	cpulist_format(&eff, allowed, sizeof(allowed));
	snprintf(err, errlen, "pin to cpus %s: not in the cpuset of cgroup %s (it allows %s)",
		 want, path, allowed);
	return -EINVAL;
}

/*
 * Hardware-reduced ACPI tells Linux there is no 8259 PIC, so it never programs one; but
 * KVM's starts unmasked at vector base 0, and an ISA interrupt reaching it would arrive
 * through the boot vCPU's LINT0 as an exception vector. Masking it leaves the I/O APIC
 * as the only path.
 */
static int vm_mask_pic(struct vm *vm)
{
	for (unsigned chip = KVM_IRQCHIP_PIC_MASTER; chip <= KVM_IRQCHIP_PIC_SLAVE; chip++) {
		struct kvm_irqchip ic = { .chip_id = chip };
		int ret = kvm_ioctl(vm->fd, KVM_GET_IRQCHIP, &ic);

		if (ret >= 0) {
			ic.chip.pic.imr = 0xff;
			ret = kvm_ioctl(vm->fd, KVM_SET_IRQCHIP, &ic);
		}
		if (ret < 0) {
			log_err("masking the 8259 PIC: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* What a stock Linux kernel probes: its console, the RTC, the reset line, PCI, ACPI. */
static int vm_setup_pc_devices(struct vm *vm)
{
	struct dev_power_sink power = { power_sink, vm };
	int ret;

	ret = uart_init(&vm->uart, &vm->io_bus, VM_COM1_PORT,
			(struct dev_irq){ irq_line_set, vm, VM_COM1_IRQ },
			(struct dev_output){ console_sink, &vm->console },
			(struct dev_notify){ uart_room, vm });
	if (ret)
		return ret;
	vm->pc_devices |= VM_DEV_UART;
	ret = rtc_init(&vm->rtc, &vm->io_bus, (struct rtc_clock){ NULL, NULL });
	if (ret)
		return ret;
	vm->pc_devices |= VM_DEV_RTC;
	ret = i8042_init(&vm->i8042, &vm->io_bus, power);
	if (ret)
		return ret;
	vm->pc_devices |= VM_DEV_I8042;
	ret = pci_init(&vm->pci, &vm->io_bus);
	if (!ret)
		ret = acpi_pm_init(&vm->acpi_pm, &vm->io_bus, ACPI_PM_PORT, power);
	if (!ret)
		ret = vm_mask_pic(vm);
	return ret;
}

static int vm_setup_devices(struct vm *vm)
{
	int ret;

	ret = console_init(&vm->console, vm->cfg);
	if (ret)
		return ret;
	ret = debugcon_init(&vm->debugcon, &vm->io_bus, PORT_DEBUGCON,
			    (struct dev_output){ console_sink, &vm->console });
	if (ret)
		return ret;
	ret = debugexit_init(&vm->debugexit, &vm->io_bus, PORT_DEBUG_EXIT,
			     (struct dev_exit_sink){ debugexit_sink, vm });
	if (ret || vm->cfg->boot.payload != CFG_PAYLOAD_NONE)
		return ret;
	return vm_setup_pc_devices(vm);
}

static enum sched_core_mode core_mode_of(enum cfg_core_sched c)
{
	return c == CFG_CORE_SCHED_VM ? SCHED_CORE_SHARED :
	       c == CFG_CORE_SCHED_VCPU ? SCHED_CORE_OWN : SCHED_CORE_OFF;
}

static int vm_create_vcpus(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid;
	int ret;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	ret = cpuid_get_supported(&vm->kvm, &cpuid);
	if (ret)
		return ret;
	/* the in-kernel LAPIC (KVM_CREATE_IRQCHIP) has it; the probe's wake mode needs it */
	if (kvm_sys_cap(&vm->kvm, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
		cpuid_set_tsc_deadline(cpuid);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct plan_vcpu *p = &vm->plan->vcpu[i];
		struct vcpu *vcpu;

		ret = vcpu_create(&vcpu, vm, i);
		if (ret)
			break;
		vm->vcpus[i] = vcpu;
		cpuid_fixup(cpuid, i, vm->nr_vcpus);
		ret = kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
		if (ret < 0) {
			log_err("vcpu%u: KVM_SET_CPUID2: %s", i, strerror(-ret));
			break;
		}
		vcpu->plan = (struct sched_thread_plan){
			.boost_uclamp = p->boost_uclamp,
			.core = core_mode_of(p->core_sched),
			.pin = true,
			.cpus = p->cpus,
			.policy = p->policy,
			.rt_priority = p->rt_priority,
			.delay_rt = p->delay_rt,
		};
	}
	free(cpuid);
	if (ret)
		return ret;
	ret = kvm_ioctl(vm->vcpus[0]->fd, KVM_GET_TSC_KHZ, NULL);
	if (ret <= 0) {
		log_err("KVM_GET_TSC_KHZ: %s", strerror(ret ? -ret : EINVAL));
		return ret ? ret : -EINVAL;
	}
	vm->tsc_khz = (unsigned)ret;
	return 0;
}

/*
 * Linux calibrates its clocks against the PIT and drives its early timer from it; the
 * in-kernel PIT spares an exit per tick. The built-in payloads never touch it. The
 * speaker port (0x61) is emulated as silent.
 */
static int vm_create_pit(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int ret;

	if (vm->cfg->boot.payload != CFG_PAYLOAD_NONE)
		return 0;
	ret = kvm_ioctl(vm->fd, KVM_CREATE_PIT2, &pit);
	if (ret < 0)
		log_err("KVM_CREATE_PIT2: %s", strerror(-ret));
	return ret < 0 ? ret : 0;
}

/* Removes exactly the cgroups this VM created, once its threads are gone. */
static void vm_cleanup_cgroups(struct vm *vm)
{
	char err[512];

	if (cg_vm_cleanup(&vm->cg, err, sizeof(err)))
		log_warn("cgroup cleanup: %s", err);
}

int vm_create(struct vm **out, const struct cfg *cfg, const struct plan *plan)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	int ret;

	if (!vm)
		return -ENOMEM;
	vm->cfg = cfg;
	vm->plan = plan;
	vm->fd = -1;
	vm->event_fd = -1;
	vm->kvm.fd = -1;
	vm->console.out_fd = -1;
	vm->nr_vcpus = cfg->vm.vcpus;
	bus_init(&vm->io_bus, "io");
	bus_init(&vm->mmio_bus, "mmio");
	pthread_mutex_init(&vm->start.lock, NULL);
	pthread_cond_init(&vm->start.changed, NULL);
	pthread_mutex_init(&vm->end_lock, NULL);
	atomic_init(&vm->end, VM_END_NONE);
	sched_core_group_init(&vm->core_group);
	cg_vm_init(&vm->cg, 0);

	ret = kvm_sys_open(&vm->kvm, "/dev/kvm");
	if (ret)
		goto err;
	if (vm->nr_vcpus > vm->kvm.max_vcpus) {
		log_err("[vm] vcpus = %u: this host's KVM supports at most %u", vm->nr_vcpus,
			vm->kvm.max_vcpus);
		ret = -EINVAL;
		goto err;
	}
	ret = kvm_ioctl(vm->kvm.fd, KVM_CREATE_VM, NULL);
	if (ret < 0) {
		log_err("KVM_CREATE_VM: %s", strerror(-ret));
		goto err;
	}
	vm->fd = ret;
	ret = kvm_ioctl(vm->fd, KVM_SET_TSS_ADDR, (void *)VM_TSS_ADDR);
	if (ret < 0) {
		log_err("KVM_SET_TSS_ADDR: %s", strerror(-ret));
		goto err;
	}
	ret = kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL);
	if (ret < 0) {
		log_err("KVM_CREATE_IRQCHIP: %s", strerror(-ret));
		goto err;
	}
	ret = vm_create_pit(vm);
	if (ret)
		goto err;
	ret = vm_setup_latency_caps(vm);
	if (!ret)
		ret = vm_setup_bus_lock(vm);
	if (ret)
		goto err;
	ret = vm_setup_memory(vm);
	if (ret)
		goto err;
	ret = vm_setup_devices(vm);
	if (ret)
		goto err;
	ret = vm_setup_cgroups(vm);
	if (ret)
		goto err;
	vm->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->event_fd < 0) {
		ret = -errno;
		goto err;
	}
	ret = vm_create_vcpus(vm);
	if (ret)
		goto err;
	*out = vm;
	return 0;

err:
	/* a feature [vm] strict requires and this host lacks: the configuration's fault */
	if (atomic_load(&vm->refused))
		ret = -EINVAL;
	vm_destroy(vm);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i])
			vcpu_join(vm->vcpus[i]);
		vcpu_destroy(vm->vcpus[i]);
	}
	free(vm->vcpus);
	if (vm->pc_devices & VM_DEV_UART)
		uart_fini(&vm->uart);
	if (vm->pc_devices & VM_DEV_RTC)
		rtc_fini(&vm->rtc);
	if (vm->pc_devices & VM_DEV_I8042)
		i8042_fini(&vm->i8042);
	if (vm->event_fd >= 0)
		close(vm->event_fd);
	console_fini(&vm->console);
	bus_fini(&vm->mmio_bus);
	bus_fini(&vm->io_bus);
	numa_mem_unmap(vm->mem, vm->mem_bytes);
	if (vm->fd >= 0)
		close(vm->fd);
	kvm_sys_close(&vm->kvm);
	/* after the VM's fds: until they close, KVM can keep the vCPU cgroups busy (EBUSY) */
	vm_cleanup_cgroups(vm);
	pthread_cond_destroy(&vm->start.changed);
	pthread_mutex_destroy(&vm->start.lock);
	pthread_mutex_destroy(&vm->end_lock);
	sched_core_group_fini(&vm->core_group);
	if (vm->bus_lock_limit_ready)
		ratelimit_fini(&vm->bus_lock_limit);
	free(vm);
}

bool vm_start_report(struct vm *vm)
{
	bool go;

	pthread_mutex_lock(&vm->start.lock);
	vm->start.reported++;
	pthread_cond_broadcast(&vm->start.changed);
	while (!vm->start.decided)
		pthread_cond_wait(&vm->start.changed, &vm->start.lock);
	go = vm->start.go;
	pthread_mutex_unlock(&vm->start.lock);
	return go;
}

int vm_start(struct vm *vm)
{
	unsigned started = 0, failed = 0;
	int ret = 0;

	for (; started < vm->nr_vcpus; started++) {
		ret = vcpu_start(vm->vcpus[started]);
		if (ret)
			break;
	}
	pthread_mutex_lock(&vm->start.lock);
	while (vm->start.reported < started)
		pthread_cond_wait(&vm->start.changed, &vm->start.lock);
	for (unsigned i = 0; i < started; i++)
		failed += atomic_load(&vm->vcpus[i]->state) == VCPU_FAILED;
	vm->start.go = !ret && !failed;
	vm->start.decided = true;
	pthread_cond_broadcast(&vm->start.changed);
	pthread_mutex_unlock(&vm->start.lock);
	if (vm->start.go)
		return 0;
	for (unsigned i = 0; i < started; i++)
		vcpu_join(vm->vcpus[i]);
	vm_end(vm, VM_END_START_FAILED, 0, "%u of %u vCPUs could not be set up",
	       failed ? failed : 1, vm->nr_vcpus);
	return ret ? ret : -EINVAL;
}

void vm_end(struct vm *vm, enum vm_end end, int status, const char *fmt, ...)
{
	int none = VM_END_NONE;
	uint64_t one = 1;
	va_list ap;

	/* the reason is written before `end` is published; readers join the vCPUs first */
	pthread_mutex_lock(&vm->end_lock);
	if (atomic_load(&vm->end) == VM_END_NONE) {
		va_start(ap, fmt);
		vsnprintf(vm->end_reason, sizeof(vm->end_reason), fmt, ap);
		va_end(ap);
		vm->end_status = status;
		atomic_compare_exchange_strong(&vm->end, &none, (int)end);
	}
	pthread_mutex_unlock(&vm->end_lock);
	if (vm->event_fd >= 0 && write(vm->event_fd, &one, sizeof(one)) < 0)
		return;	/* the counter is already non-zero: the main thread will look */
}

int vm_broadcast(struct vm *vm, const struct vcpu_msg *msg)
{
	int first = 0;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		int ret = vcpu_post(vm->vcpus[i], msg);

		if (ret && !first)
			first = ret;
	}
	return first;
}

void vm_stop(struct vm *vm)
{
	struct vcpu_msg exiting = { .kind = VCPU_MSG_RUN_STATE, .run_state = RUN_STATE_EXITING };

	vm_broadcast(vm, &exiting);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_join(vm->vcpus[i]);
}

int vm_exit_code(enum vm_end end, int status)
{
	switch (end) {
	case VM_END_POWEROFF:
		return status;
	case VM_END_NONE:
	case VM_END_STOPPED:
		return 0;
	case VM_END_RESET:
		return 3;
	case VM_END_START_FAILED:
		return 2;
	default:
		return 1;
	}
}
