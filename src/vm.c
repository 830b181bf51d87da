// SPDX-License-Identifier: Apache-2.0
/*
 * VM lifetime (see vm.h): creation in dependency order, teardown in reverse, the start
 * barrier that lets every vCPU thread set itself up before any enters the guest, and
 * the end state that the first VM-ending event records.
 */
#include "vm.h"

#include "cpuid.h"
#include "log.h"

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
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (vm->cfg->vm.strict) {
		log_err("%s ([vm] strict = true: not starting)", msg);
		return err;
	}
	if (!atomic_exchange(&vm->warned[feature], true))
		log_warn("%s; continuing without it", msg);
	return 0;
}

/* Populates and locks guest RAM so no page fault lands in a vCPU's measurement. */
static int vm_pin_memory(struct vm *vm)
{
	int ret = 0;

	if (vm->cfg->memory.prefault && madvise(vm->mem, vm->mem_bytes, MADV_POPULATE_WRITE)) {
		/* kernels before 5.14: touch every page instead */
		for (uint64_t off = 0; off < vm->mem_bytes; off += 4096)
			((volatile uint8_t *)vm->mem)[off] = 0;
	}
	if (vm->cfg->memory.lock && mlock(vm->mem, vm->mem_bytes)) {
		ret = vm_feature_failed(vm, VM_FEAT_MLOCK, -errno,
					"[memory] lock: mlock %llu MiB: %s (raise RLIMIT_MEMLOCK, e.g. "
					"LimitMEMLOCK=infinity, or run as root)",
					(unsigned long long)vm->mem_bytes >> 20, strerror(errno));
	}
	return ret;
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
					 "report bus locks (KVM_CAP_X86_BUS_LOCK_EXIT: %s; it needs "
					 "Linux 5.12+ and a CPU with bus-lock detection)", rate,
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
		if (ret < 0 && (ret = vm_feature_failed(vm, VM_FEAT_HALT_POLL, ret,
							"[sched] halt_poll_ns: KVM_CAP_HALT_POLL: %s",
							strerror(-ret))))
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
	return vm_setup_bus_lock(vm);
}

/* Guest RAM: one mapping, split into slots around the MMIO hole below 4 GiB. */
static int vm_setup_memory(struct vm *vm)
{
	uint64_t low;
	int ret;

	vm->mem_bytes = vm->cfg->vm.memory_bytes;
	vm->mem = mmap(NULL, vm->mem_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		ret = -errno;
		vm->mem = NULL;
		log_err("guest memory: mmap %llu bytes: %s",
			(unsigned long long)vm->mem_bytes, strerror(-ret));
		return ret;
	}
	low = vm->mem_bytes < VM_LOW_MEM_LIMIT ? vm->mem_bytes : VM_LOW_MEM_LIMIT;
	ret = vm_pin_memory(vm);
	if (ret)
		return ret;
	ret = vm_set_region(vm, 0, 0, low, vm->mem);
	if (!ret && vm->mem_bytes > low)
		ret = vm_set_region(vm, 1, 4ULL << 30, vm->mem_bytes - low, vm->mem + low);
	return ret;
}

static int vm_setup_devices(struct vm *vm)
{
	int ret;

	ret = console_init(&vm->console, vm->cfg);
	if (ret)
		return ret;
	ret = debugcon_init(&vm->debugcon, &vm->io_bus, 0xe9,
			    (struct dev_output){ console_sink, &vm->console });
	if (ret)
		return ret;
	return debugexit_init(&vm->debugexit, &vm->io_bus, 0xf4,
			      (struct dev_exit_sink){ debugexit_sink, vm });
}

static int policy_of(enum cfg_policy p)
{
	return p == CFG_POLICY_FIFO ? SCHED_FIFO : p == CFG_POLICY_RR ? SCHED_RR : SCHED_OTHER;
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
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct cfg_vcpu *c = &vm->cfg->vcpu[i];
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
			.pin = !c->cpus_auto,
			.cpus = c->cpus,
			.policy = policy_of(c->sched.policy),
			.rt_priority = c->sched.rt_priority,
			.delay_rt = c->sched.delay_rt,
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

int vm_create(struct vm **out, const struct cfg *cfg)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	int ret;

	if (!vm)
		return -ENOMEM;
	vm->cfg = cfg;
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
	ret = vm_setup_latency_caps(vm);
	if (ret)
		goto err;
	ret = vm_setup_memory(vm);
	if (ret)
		goto err;
	ret = vm_setup_devices(vm);
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
	if (vm->event_fd >= 0)
		close(vm->event_fd);
	console_fini(&vm->console);
	bus_fini(&vm->mmio_bus);
	bus_fini(&vm->io_bus);
	if (vm->mem)
		munmap(vm->mem, vm->mem_bytes);
	if (vm->fd >= 0)
		close(vm->fd);
	kvm_sys_close(&vm->kvm);
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
	vm_end(vm, VM_END_START_FAILED, 0, "%u of %u vCPUs could not be set up", failed ? failed : 1,
	       vm->nr_vcpus);
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
