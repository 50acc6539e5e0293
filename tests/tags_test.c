// SPDX-License-Identifier: GPL-2.0
/*
 * tags_test - more vCPUs than the CPU has address-space tags (VT-x VPIDs,
 * AMD-V ASIDs), all on one host CPU: each one still runs, and each sees
 * only its own memory, however the tags were shared out.
 *
 * usage: tags_test [N]    N VMs of one vCPU each (default 24, more than
 * the 16 ASIDs of the QEMU bed).  tags.sh loads the module with
 * max_vpids=2 first, so that on VT-x all but two of them run with the
 * VPID control off: a vCPU given VPID 0 with the control on would fail
 * its entry.
 *
 * Every guest identity-maps the same guest-virtual page onto its own
 * memory, which holds its own number; it reads it and reports it by OUT,
 * forever.  The VMs take turns on one CPU for several rounds: a
 * translation cached under a tag another VM later reuses without a flush
 * would show the other VM's number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/case.h"
#include "lib/guest.h"

#define PORT_VALUE	0x10
#define ROUNDS		6
#define DEFAULT_VMS	24
#define MAX_VMS		256

static unsigned int nr_vms = DEFAULT_VMS;

GUEST_CODE(tags_guest, ".code64",
	"1:\n"
	"mov 0x20000, %eax\n"
	"out %eax, $0x10\n"
	"jmp 1b\n");

/* Pins the test to the CPU it runs on: the tags are per host CPU. */
static int pin_to_one_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void max_vpids_diag(void)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/module/minivmm/parameters/max_vpids", "r");

	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f))
		tap_diag("max_vpids=%s", strtok(buf, "\n"));
	fclose(f);
}

static int test_vms_take_turns(void)
{
	struct vcpu *v[MAX_VMS] = { NULL };
	unsigned int i, round;
	int ret = CASE_FAIL;

	CHECK(pin_to_one_cpu() == 0, "sched_setaffinity: %s", strerror(errno));
	max_vpids_diag();
	for (i = 0; i < nr_vms; i++) {
		v[i] = GUEST_CREATE(MODE_LONG, tags_guest);
		if (!v[i]) {
			tap_diag("VM %u of %u could not be created", i, nr_vms);
			goto out;
		}
		*(uint32_t *)vm_host(v[i]->vm, DATA_GPA) = 0x7a600000 + i;
	}
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < nr_vms; i++) {
			uint32_t got;

			if (!vcpu_run_expect(v[i], MINIVMM_EXIT_IO)) {
				tap_diag("VM %u, round %u: no IO exit", i,
					 round);
				goto out;
			}
			if (v[i]->run->io.port != PORT_VALUE ||
			    v[i]->run->io.size != 4) {
				tap_diag("VM %u: IO exit on port 0x%x size %u",
					 i, v[i]->run->io.port,
					 v[i]->run->io.size);
				goto out;
			}
			memcpy(&got, vcpu_io_data(v[i]), sizeof(got));
			if (got != 0x7a600000 + i) {
				tap_diag("VM %u, round %u read 0x%x: another VM's memory",
					 i, round, got);
				goto out;
			}
		}
	}
	ret = CASE_PASS;
out:
	for (i = 0; i < nr_vms; i++) {
		if (v[i]) {
			struct vm *vm = v[i]->vm;

			vcpu_free(v[i]);
			vm_free(vm);
		}
	}
	return ret;
}

static const struct test_case cases[] = {
	{ "VMs beyond the CPU's tags take turns on one CPU, each with its own memory",
	  test_vms_take_turns, 600 },
};

int main(int argc, char **argv)
{
	if (argc > 1) {
		nr_vms = strtoul(argv[1], NULL, 0);
		if (nr_vms < 2 || nr_vms > MAX_VMS) {
			fprintf(stderr, "tags_test: N must be 2 to %u\n",
				MAX_VMS);
			return 2;
		}
	}
	return cases_run(cases, sizeof(cases) / sizeof(cases[0]));
}
