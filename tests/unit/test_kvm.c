// SPDX-License-Identifier: Apache-2.0
/*
 * kvm_sys_open's failures: a missing device, a file that is not KVM, and an
 * inaccessible device each fail with -errno, leave no fd open, and log a message that
 * names the path and the fix. stderr is captured to read the message; as root, the
 * permission case runs in a child that has become nobody.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../src/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs kvm_sys_open(path) with stderr captured into msg. */
static int open_capturing(struct kvm_sys *sys, const char *path, char *msg, size_t len)
{
	char name[] = "/tmp/rtvmm-test-kvm-XXXXXX";
	int fd = mkstemp(name), saved = dup(STDERR_FILENO), ret;
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	unlink(name);
	dup2(fd, STDERR_FILENO);
	sys->fd = 123456;	/* must be reset to -1 on failure */
	ret = kvm_sys_open(sys, path);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, msg, len - 1, 0);
	msg[n > 0 ? n : 0] = 0;
	close(fd);
	return ret;
}

static void test_kvm_open_missing_device_names_module(void **state)
{
	struct kvm_sys sys;
	char msg[1024];

	(void)state;
	assert_int_equal(open_capturing(&sys, "/nonexistent/kvm", msg, sizeof(msg)), -ENOENT);
	assert_int_equal(sys.fd, -1);
	assert_non_null(strstr(msg, "/nonexistent/kvm"));
	assert_non_null(strstr(msg, "modprobe kvm_intel"));
}

static void test_kvm_open_not_a_kvm_device(void **state)
{
	struct kvm_sys sys;
	char msg[1024];

	(void)state;
	assert_int_equal(open_capturing(&sys, "/dev/null", msg, sizeof(msg)), -ENOTSUP);
	assert_int_equal(sys.fd, -1);
	assert_non_null(strstr(msg, "/dev/null: not a KVM device"));
}

/* The checks of an inaccessible device; returns 0 when all hold. */
static int check_no_permission(const char *path)
{
	struct kvm_sys sys;
	char msg[1024];
	int ret = open_capturing(&sys, path, msg, sizeof(msg));

	return !(ret == -EACCES && sys.fd == -1 && strstr(msg, "owned by group") &&
		 strstr(msg, "usermod -aG"));
}

static void test_kvm_open_no_permission_names_group(void **state)
{
	char path[] = "/tmp/rtvmm-test-kvm-dev-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	chmod(path, 0600);
	if (geteuid() != 0) {
		chmod(path, 0);
		status = check_no_permission(path);
		unlink(path);
		assert_int_equal(status, 0);
		return;
	}
	/* root opens anything: check as an unprivileged user in a child */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(check_no_permission(path));
	}
	waitpid(pid, &status, 0);
	unlink(path);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvm_open_missing_device_names_module),
		cmocka_unit_test(test_kvm_open_not_a_kvm_device),
		cmocka_unit_test(test_kvm_open_no_permission_names_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
