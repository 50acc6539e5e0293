// SPDX-License-Identifier: GPL-2.0
/*
 * lifetime_test - fds closed in every order, mappings that outlive them,
 * guest memory unmapped during a run, a process killed mid-run, a forked
 * child using its parent's VM, VMs created and destroyed in a loop.
 *
 * Also a helper for lifetime.sh:
 *   lifetime_test --hold-vm FILE SECS   hold a minivmm VM (vCPU, memory)
 *   lifetime_test --hold-kvm FILE SECS  hold a KVM VM (enables VMX/SVM)
 * Each writes FILE once the VM exists, then sleeps SECS or until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lib/case.h"
#include "lib/guest.h"

GUEST_CODE(hlt_guest, ".code64",
	"hlt_guest_loop:\n"
	"hlt\n"
	"jmp hlt_guest_loop\n");

GUEST_CODE(spin_guest, ".code64",
	"spin_guest_loop:\n"
	"incq 0x20000\n"
	"incq 0x100000\n"
	"jmp spin_guest_loop\n");

static void sig_nop(int sig)
{
	(void)sig;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A fresh guest that halts: the module still works. */
static int module_healthy(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, hlt_guest);
	struct vm *vm;

	CHECK(v, "cannot create a guest any more");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "a fresh guest fails");
	vm = v->vm;
	vcpu_free(v);
	vm_free(vm);
	return CASE_PASS;
}

static int test_close_vm_first(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, hlt_guest);

	CHECK(v, "guest setup failed");
	close(v->vm->fd);
	close(v->vm->sys_fd);
	/* The vCPU keeps its VM alive: it still runs. */
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT),
	      "vCPU does not run after its VM fd was closed");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "second run");
	close(v->fd);
	CHECK_EQ(v->run->exit_reason, MINIVMM_EXIT_HLT,
		 "run page readable after the vCPU fd was closed");
	munmap(v->run, v->mmap_size);
	return module_healthy();
}

static int test_close_vcpu_first(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, hlt_guest);

	CHECK(v, "guest setup failed");
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "run");
	close(v->fd);
	v->run->immediate_exit = 1;	/* the mapping is still writable */
	close(v->vm->fd);
	close(v->vm->sys_fd);
	CHECK_EQ(v->run->exit_reason, MINIVMM_EXIT_HLT,
		 "run page after both fds were closed");
	munmap(v->run, v->mmap_size);
	return module_healthy();
}

static int test_mapping_outlives(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, hlt_guest);
	struct minivmm_run *second;

	CHECK(v, "guest setup failed");
	second = mmap(NULL, v->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	CHECK(second != MAP_FAILED, "second mapping: %s", strerror(errno));
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "run");
	close(v->vm->fd);
	close(v->fd);
	munmap(v->run, v->mmap_size);
	CHECK_EQ(second->exit_reason, MINIVMM_EXIT_HLT,
		 "the second mapping after closing and unmapping the first");
	memset(second, 0, 4096);
	/* guest memory goes last */
	munmap(v->vm->slots[0].host, v->vm->slots[0].size);
	munmap(second, v->mmap_size);
	close(v->vm->sys_fd);
	return module_healthy();
}

struct unmapper {
	void *addr;
	size_t size;
	pthread_t target;
	int remapped;
};

static void *unmapper_fn(void *arg)
{
	struct unmapper *u = arg;
	void *p;

	sleep_ms(300);
	munmap(u->addr, u->size);
	/* Put different memory at the same address. */
	p = mmap(u->addr, u->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	u->remapped = p == u->addr;
	sleep_ms(300);
	pthread_kill(u->target, SIGUSR1);
	return NULL;
}

static int test_munmap_during_run(void)
{
	struct sigaction sa = { .sa_handler = sig_nop };
	struct vm *vm = vm_std_create();
	struct unmapper u;
	struct vcpu *v;
	pthread_t t;
	uint64_t nonzero = 0, i;
	int rc;

	CHECK(vm, "vm_std_create");
	sigaction(SIGUSR1, &sa, NULL);
	vm_load_code(vm, spin_guest);
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu_create");
	CHECK(!vcpu_set_mode(v, MODE_LONG), "mode");
	/* the guest increments 0x20000 and 0x100000, both in slot 0 */
	u.addr = vm->slots[0].host;
	u.size = vm->slots[0].size;
	u.target = pthread_self();
	vm->slots[0].used = false;
	pthread_create(&t, NULL, unmapper_fn, &u);
	rc = vcpu_run(v);
	pthread_join(t, NULL);
	tap_diag("RUN gave %d (%s), exit %s; remapped %d", rc,
		 rc ? strerror(v->last_errno) : "ok",
		 exit_name(v->run->exit_reason), u.remapped);
	CHECK(!v->timed_out, "the run did not stop on the signal");
	CHECK(rc == 0 || v->last_errno == EINTR || v->last_errno == EFAULT,
	      "unexpected errno %s", strerror(v->last_errno));
	if (u.remapped) {
		for (i = 0; i < u.size; i++)
			nonzero += ((uint8_t *)u.addr)[i] != 0;
		tap_diag("new memory at the old address: %llu non-zero bytes (pinned pages: expect 0)",
			 (unsigned long long)nonzero);
	}
	/*
	 * Run again: the guest keeps running safely or exits cleanly.  One
	 * second of spinning shows it; more only slows the Bochs bed, where
	 * a busy guest second costs ten or more host seconds.
	 */
	v->run->immediate_exit = 0;
	v->timeout_s = 1;
	rc = vcpu_run(v);
	tap_diag("second RUN gave %d (%s), exit %s", rc,
		 rc ? strerror(v->last_errno) : "ok",
		 exit_name(v->run->exit_reason));
	CHECK(v->timed_out || rc == 0 || v->last_errno == EFAULT,
	      "second run: %s", strerror(v->last_errno));
	return module_healthy();
}

static int test_kill_mid_run(void)
{
	int pipefd[2], status;
	unsigned int i;
	pid_t pid;
	char c;

	CHECK_OK(pipe(pipefd), "pipe");
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		struct vcpu *v = GUEST_CREATE(MODE_LONG, spin_guest);

		if (!v)
			_exit(1);
		v->timeout_s = 0;
		if (write(pipefd[1], "r", 1) != 1)
			_exit(1);
		vcpu_run(v);
		_exit(2);
	}
	close(pipefd[1]);
	CHECK(read(pipefd[0], &c, 1) == 1, "the child could not set up a guest");
	sleep_ms(500);
	kill(pid, SIGKILL);
	for (i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		sleep_ms(10);
	}
	CHECK(i < 500, "the child did not die within 5 s of SIGKILL");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "child status 0x%x: it left RUN before the kill", status);
	return module_healthy();
}

static int test_fork_child_run(void)
{
	struct vcpu *v = GUEST_CREATE(MODE_LONG, hlt_guest);
	int status;
	pid_t pid;

	CHECK(v, "guest setup failed");
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		struct minivmm_create_vcpu cv = { .id = 1 };
		struct minivmm_regs regs;
		int rc, bad = 0;

		rc = vcpu_run(v);
		if (rc != -1 || v->last_errno != EIO) {
			tap_diag("child RUN gave %d %s, want EIO", rc,
				 strerror(v->last_errno));
			bad = 1;
		}
		errno = 0;
		rc = ioctl(v->fd, MINIVMM_GET_REGS, &regs);
		if (rc != -1 || errno != EIO) {
			tap_diag("child GET_REGS gave %d %s, want EIO", rc,
				 strerror(errno));
			bad = 1;
		}
		errno = 0;
		rc = ioctl(v->vm->fd, MINIVMM_CREATE_VCPU, &cv);
		if (rc != -1 || errno != EIO) {
			tap_diag("child CREATE_VCPU gave %d %s, want EIO", rc,
				 strerror(errno));
			bad = 1;
		}
		errno = 0;
		rc = vm_set_region(v->vm, 3, 0, 0x10000000, 4096,
				   v->vm->slots[0].host);
		if (rc != -1 || errno != EIO) {
			tap_diag("child SET_MEMORY_REGION gave %d %s, want EIO",
				 rc, strerror(errno));
			bad = 1;
		}
		fflush(stdout);
		_exit(bad);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child could use the parent's VM (status 0x%x)", status);
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT),
	      "the parent's vCPU broke after the child's attempt");
	return CASE_PASS;
}

struct closer {
	struct vcpu *v;
	pthread_t target;
};

static void *closer_fn(void *arg)
{
	struct closer *c = arg;

	sleep_ms(300);
	close(c->v->fd);
	close(c->v->vm->fd);
	sleep_ms(200);
	pthread_kill(c->target, SIGUSR1);
	return NULL;
}

static int test_close_during_run(void)
{
	struct sigaction sa = { .sa_handler = sig_nop };
	struct vcpu *v = GUEST_CREATE(MODE_LONG, spin_guest);
	struct closer c;
	pthread_t t;
	int rc;

	CHECK(v, "guest setup failed");
	sigaction(SIGUSR1, &sa, NULL);
	c.v = v;
	c.target = pthread_self();
	pthread_create(&t, NULL, closer_fn, &c);
	rc = vcpu_run(v);
	pthread_join(t, NULL);
	CHECK(rc == -1 && v->last_errno == EINTR && !v->timed_out,
	      "RUN gave %d %s%s, want EINTR from the signal", rc,
	      strerror(v->last_errno), v->timed_out ? " (timeout)" : "");
	munmap(v->run, v->mmap_size);
	return module_healthy();
}

static long mem_available_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int test_create_destroy_loop(void)
{
	long before, after;
	unsigned int i;

	/* Warm up caches, then measure. */
	for (i = 0; i < 5; i++)
		if (module_healthy())
			return CASE_FAIL;
	before = mem_available_kb();
	for (i = 0; i < 60; i++) {
		struct vcpu *v = GUEST_CREATE(MODE_LONG, hlt_guest);
		struct vcpu *v2;
		struct vm *vm;

		CHECK(v, "iteration %u: setup", i);
		v2 = vcpu_create(v->vm, 1);
		CHECK(v2, "iteration %u: second vCPU", i);
		CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "iteration %u", i);
		vm = v->vm;
		if (i & 1) {
			vcpu_free(v2);
			vcpu_free(v);
			vm_free(vm);
		} else {
			vm_free(vm);
			vcpu_free(v);
			vcpu_free(v2);
		}
	}
	after = mem_available_kb();
	tap_diag("MemAvailable %ld kB before, %ld kB after 60 VMs of 2 MiB",
		 before, after);
	CHECK(before - after < 60 * 1024,
	      "%ld kB lost over 60 VMs: pinned memory or VMCBs leak?",
	      before - after);
	return CASE_PASS;
}

static int hold(const char *file, unsigned int secs, bool kvm)
{
	struct vcpu *v = NULL;
	int fd;

	if (kvm) {
		int kvmfd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

		if (kvmfd < 0) {
			perror("open /dev/kvm");
			return 1;
		}
		fd = ioctl(kvmfd, 0xae01 /* KVM_CREATE_VM */, 0);
		if (fd < 0) {
			perror("KVM_CREATE_VM");
			return 1;
		}
	} else {
		v = GUEST_CREATE(MODE_LONG, hlt_guest);
		if (!v || !vcpu_run_expect(v, MINIVMM_EXIT_HLT))
			return 1;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(file);
		return 1;
	}
	close(fd);
	sleep(secs);
	return 0;
}

static const struct test_case cases[] = {
	{ "close the VM fd before the vCPU fd", test_close_vm_first, 0 },
	{ "close the vCPU fd before the VM fd", test_close_vcpu_first, 0 },
	{ "the run mapping outlives both fds", test_mapping_outlives, 0 },
	{ "munmap of guest memory during a run", test_munmap_during_run, 0 },
	{ "SIGKILL of a process in RUN", test_kill_mid_run, 0 },
	{ "a forked child gets EIO on its parent's VM", test_fork_child_run, 0 },
	{ "fds closed by another thread during RUN", test_close_during_run, 0 },
	{ "60 VMs created and destroyed: no leak", test_create_destroy_loop, 120 },
};

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--hold-vm"))
		return hold(argv[2], atoi(argv[3]), false);
	if (argc == 4 && !strcmp(argv[1], "--hold-kvm"))
		return hold(argv[2], atoi(argv[3]), true);
	return cases_run(cases, ARRAY_SIZE(cases));
}
