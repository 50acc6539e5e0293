// SPDX-License-Identifier: GPL-2.0
/*
 * spec_test - speculative-execution hygiene as the host kernel applies it
 * for its own guests.
 *
 * The module lists the steps active around guest runs in
 * /sys/module/minivmm/parameters/mitigations.  Each case reads what the
 * host kernel does for KVM's guests on this CPU (its
 * /sys/devices/system/cpu/vulnerabilities/ files, /proc/cpuinfo) and
 * checks that the matching step is active, and not active where the
 * kernel sees no need.  The guest cases write SPEC_CTRL from the guest:
 * the value it reads back is its own, bits its CPUID does not advertise
 * #GP, and the host's SPEC_CTRL (/dev/cpu/0/msr) is the same after each
 * exit as before the run.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/case.h"
#include "lib/guest.h"

#define PARAM		"/sys/module/minivmm/parameters/mitigations"
#define VULN		"/sys/devices/system/cpu/vulnerabilities/"

#define MSR_SPEC_CTRL	0x48
#define SPEC_IBRS	(1ULL << 0)
#define SPEC_SSBD	(1ULL << 2)
#define SPEC_RESERVED	(1ULL << 63)

/* Guest data: values to write, what RDMSR returned, #GP counts. */
#define VALUES_GPA	0x20800ULL
#define READ_GPA	0x20c00ULL
#define GP_GPA		0x20100ULL
#define MAX_WRITES	8
#define PORT_STEP	0x80

static char param[512];
static char cpuinfo_flags[8192];
static char cpuinfo_bugs[2048];

/* The first line of @path into @buf; "" when it cannot be read. */
static const char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return buf;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static const char *vuln(const char *name)
{
	static char buf[16][256];
	static unsigned int next;
	char path[128];

	snprintf(path, sizeof(path), VULN "%s", name);
	return read_line(path, buf[next++ % 16], sizeof(buf[0]));
}

/* Whether the blank-separated word list @list holds @word. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == 0 || p[n] == ' ' || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

/* The module's list, up to "missing:", and /proc/cpuinfo. */
static int load_state(void)
{
	char line[8192];
	FILE *f;

	if (!read_line(PARAM, param, sizeof(param))[0] && access(PARAM, R_OK))
		return -1;
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		if (!strncmp(line, "flags", 5) && !cpuinfo_flags[0])
			snprintf(cpuinfo_flags, sizeof(cpuinfo_flags), "%s",
				 v + 1);
		if (!strncmp(line, "bugs", 4) && !cpuinfo_bugs[0])
			snprintf(cpuinfo_bugs, sizeof(cpuinfo_bugs), "%s",
				 v + 1);
	}
	fclose(f);
	return 0;
}

static bool active(const char *step)
{
	char list[512];
	char *miss;

	snprintf(list, sizeof(list), "%s", param);
	miss = strstr(list, "missing:");
	if (miss)
		*miss = 0;
	return has_word(list, step);
}

static bool svm_host(void)
{
	return has_word(cpuinfo_flags, "svm");
}

/*
 * One step: @needed says whether the host kernel applies it for guests
 * (why: @reason), @forbidden whether it sees no need at all.
 */
static int expect(const char *step, bool needed, bool forbidden,
		  const char *reason)
{
	tap_diag("mitigations: %s", param);
	tap_diag("%s: %s", step, reason);
	if (needed)
		CHECK(active(step), "the host applies %s for guests (%s) and minivmm does not",
		      step, reason);
	if (forbidden)
		CHECK(!active(step), "%s is active though the host sees no need (%s)",
		      step, reason);
	return CASE_PASS;
}

static int test_report(void)
{
	CHECK(load_state() == 0, "cannot read %s or /proc/cpuinfo", PARAM);
	tap_diag("mitigations: %s", param);
	tap_diag("bugs:%s", cpuinfo_bugs);
	CHECK(!strstr(param, "missing:"),
	      "the module cannot provide a step the host applies for guests");
	CHECK(strstr(param, "l1d_flush="), "no L1D flush mode reported");
	return CASE_PASS;
}

/* MDS, TAA, RFDS, TSA: KVM clears the CPU buffers before entry. */
static int test_verw(void)
{
	static const char * const files[] = { "mds", "tsx_async_abort",
		"reg_file_data_sampling", "tsa" };
	bool need = false, any = false;
	char why[512] = "";
	unsigned int i;

	CHECK(load_state() == 0, "cannot read %s", PARAM);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		const char *v = vuln(files[i]);

		if (strstr(v, "Clear CPU buffers")) {
			need = true;
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 "%s: %s; ", files[i], v);
		}
	}
	/* MMIO stale data alone may only ask for it with device passthrough. */
	any = need || strstr(vuln("mmio_stale_data"), "Clear CPU buffers");
	return expect("verw", need, !any, why[0] ? why :
		      "no vulnerability file asks to clear CPU buffers");
}

static int test_ibpb_vcpu(void)
{
	const char *v2;

	CHECK(load_state() == 0, "cannot read %s", PARAM);
	v2 = vuln("spectre_v2");
	return expect("ibpb_vcpu", strstr(v2, "IBPB: conditional") ||
		      strstr(v2, "IBPB: always-on"),
		      !strstr(v2, "IBPB") || strstr(v2, "IBPB: disabled"),
		      v2);
}

static int test_spec_ctrl(void)
{
	bool msr;

	CHECK(load_state() == 0, "cannot read %s", PARAM);
	msr = has_word(cpuinfo_flags, "ibrs") ||
	      has_word(cpuinfo_flags, "stibp") ||
	      has_word(cpuinfo_flags, "ssbd");
	if (!active("spec_ctrl") && !active("spec_ctrl_ibrs") &&
	    !active("spec_ctrl_vmcb"))
		CHECK(!msr, "the CPU has SPEC_CTRL (ibrs/stibp/ssbd in /proc/cpuinfo) and the guest's value is not switched: %s",
		      param);
	tap_diag("SPEC_CTRL MSR: %s; mitigations: %s", msr ? "yes" : "no",
		 param);
	return CASE_PASS;
}

static int test_bhb(void)
{
	const char *v2;

	CHECK(load_state() == 0, "cannot read %s", PARAM);
	v2 = vuln("spectre_v2");
	return expect("bhb_clear", strstr(v2, "KVM: SW loop"),
		      !strstr(v2, "KVM: SW loop"), v2);
}

static int test_untrain(void)
{
	const char *rb, *srso;

	CHECK(load_state() == 0, "cannot read %s", PARAM);
	rb = vuln("retbleed");
	srso = vuln("spec_rstack_overflow");
	tap_diag("retbleed: %s; spec_rstack_overflow: %s", rb, srso);
	if (!svm_host())
		return case_skip("AMD-V only (the return untraining is AMD's)");
	CHECK(expect("untrain_ret",
		     strstr(rb, "untrained return thunk") ||
		     strstr(srso, "Safe RET"), false, rb) == CASE_PASS,
	      "untrained returns");
	return expect("ibpb_vmexit", strstr(srso, "IBPB on VMEXIT") ||
		      strstr(rb, "Mitigation: IBPB"), false, srso);
}

static int test_l1d(void)
{
	char cmdline[4096];
	const char *l1tf;
	bool off;

	CHECK(load_state() == 0, "cannot read %s", PARAM);
	l1tf = vuln("l1tf");
	read_line("/proc/cmdline", cmdline, sizeof(cmdline));
	off = strstr(cmdline, "l1tf=off") || strstr(cmdline, "mitigations=off");
	tap_diag("l1tf: %s; bugs:%s", l1tf, cpuinfo_bugs);
	if (!has_word(cpuinfo_bugs, "l1tf"))
		return expect("l1d_flush=not_needed", true, false,
			      "the CPU has no L1TF bug");
	if (off)
		return expect("l1d_flush=never", true, false, "l1tf=off");
	CHECK(active("l1d_flush=cond") || active("l1d_flush=always"),
	      "L1TF-affected CPU without an L1D flush before entry: %s",
	      param);
	return CASE_PASS;
}

static int test_vmscape(void)
{
	const char *v;

	CHECK(load_state() == 0, "cannot read %s", PARAM);
	v = vuln("vmscape");
	return expect("ibpb_exit_to_user",
		      strstr(v, "IBPB before exit to userspace"),
		      !strstr(v, "IBPB"), v[0] ? v : "no vmscape file");
}

/*
 * Writes each listed value to SPEC_CTRL, reads it back and exits to
 * userspace (OUT to PORT_STEP) after each pair; a #GP is counted and
 * skips the 2-byte WRMSR/RDMSR.
 */
GUEST_CODE(spec_guest, ".code64",
	"xor %esi, %esi\n"
	"spec_guest_loop:\n"
	"cmp $8, %esi\n"
	"je spec_guest_done\n"
	"mov 0x20800(,%rsi,8), %eax\n"
	"mov 0x20804(,%rsi,8), %edx\n"
	"mov $0x48, %ecx\n"
	"wrmsr\n"
	"mov $0x48, %ecx\n"
	"xor %eax, %eax\n"
	"xor %edx, %edx\n"
	"rdmsr\n"
	"mov %eax, 0x20c00(,%rsi,8)\n"
	"mov %edx, 0x20c04(,%rsi,8)\n"
	"out %al, $0x80\n"
	"inc %esi\n"
	"jmp spec_guest_loop\n"
	"spec_guest_done:\n"
	"hlt\n"
	".globl spec_guest_gp\n"
	"spec_guest_gp:\n"
	"add $8, %rsp\n"
	"incq 0x20100(,%rsi,8)\n"
	"addq $2, (%rsp)\n"
	"iretq\n");
GUEST_LABEL(spec_guest_gp);

/* SPEC_CTRL bits the host CPU has, from its CPUID. */
static uint64_t host_spec_bits(uint32_t *l7_edx, uint32_t *e8_ebx)
{
	unsigned int a, b, c, d;
	uint64_t bits = 0;

	*l7_edx = 0;
	*e8_ebx = 0;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
		*l7_edx = d & ((1u << 26) | (1u << 31));
	if (__get_cpuid(0x80000008, &a, &b, &c, &d))
		*e8_ebx = b & ((1u << 14) | (1u << 24));
	if ((*l7_edx & (1u << 26)) || (*e8_ebx & (1u << 14)))
		bits |= SPEC_IBRS;
	if ((*l7_edx & (1u << 31)) || (*e8_ebx & (1u << 24)))
		bits |= SPEC_SSBD;
	return bits;
}

static int host_msr_open(void)
{
	cpu_set_t set;
	int fd;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	fd = open("/dev/cpu/0/msr", O_RDONLY);
	if (fd < 0 && system("modprobe msr > /dev/null 2>&1") == 0)
		fd = open("/dev/cpu/0/msr", O_RDONLY);
	return fd;
}

static int host_spec_ctrl(int fd, uint64_t *v)
{
	return pread(fd, v, sizeof(*v), MSR_SPEC_CTRL) == sizeof(*v) ? 0 : -1;
}

/*
 * Runs the guest over @n values with the CPUID table advertising
 * @l7_edx/@e8_ebx; fills @got and @gps.  With @msr_fd >= 0, checks the
 * host's SPEC_CTRL at every exit against its value before the run.
 */
static int spec_run(const uint64_t *values, unsigned int n, uint32_t l7_edx,
		    uint32_t e8_ebx, int msr_fd, uint64_t *got, uint64_t *gps)
{
	struct minivmm_cpuid_entry table[] = {
		{ .function = 0, .eax = 7 },
		{ .function = 7, .index = 0,
		  .flags = MINIVMM_CPUID_SIGNIFICANT_INDEX, .edx = l7_edx },
		{ .function = 0x80000000, .eax = 0x80000008 },
		{ .function = 0x80000008, .ebx = e8_ebx },
	};
	struct vcpu *v = GUEST_CREATE(MODE_LONG, spec_guest);
	uint64_t *vals, *reads, *gp, host0 = 0, host;
	struct vm *vm;
	unsigned int i;

	CHECK(v, "guest setup failed");
	CHECK(n <= MAX_WRITES, "too many values");
	CHECK_OK(vcpu_set_cpuid(v, table, ARRAY_SIZE(table)), "SET_CPUID");
	vm_idt_set64(v->vm, 13, GUEST_ADDR(spec_guest, spec_guest_gp));
	vals = vm_host(v->vm, VALUES_GPA);
	reads = vm_host(v->vm, READ_GPA);
	gp = vm_host(v->vm, GP_GPA);
	/* The loop runs MAX_WRITES times: the tail repeats 0. */
	for (i = 0; i < MAX_WRITES; i++)
		vals[i] = i < n ? values[i] : 0;
	if (msr_fd >= 0)
		CHECK(host_spec_ctrl(msr_fd, &host0) == 0, "rdmsr host");
	for (i = 0; i < MAX_WRITES; i++) {
		CHECK(vcpu_run_expect(v, MINIVMM_EXIT_IO),
		      "no IO exit after write %u", i);
		if (msr_fd < 0)
			continue;
		CHECK(host_spec_ctrl(msr_fd, &host) == 0, "rdmsr host");
		CHECK_EQ(host, host0,
			 "host SPEC_CTRL after the exit that followed the guest's write of 0x%llx",
			 (unsigned long long)vals[i]);
	}
	CHECK(vcpu_run_expect(v, MINIVMM_EXIT_HLT), "no HLT at the end");
	for (i = 0; i < n; i++) {
		got[i] = reads[i];
		gps[i] = gp[i];
	}
	vm = v->vm;
	vcpu_free(v);
	vm_free(vm);
	return CASE_PASS;
}

static int test_guest_spec_ctrl(void)
{
	uint64_t values[MAX_WRITES], got[MAX_WRITES], gps[MAX_WRITES];
	uint32_t l7, e8;
	uint64_t bits = host_spec_bits(&l7, &e8), last = 0;
	unsigned int n = 0, i;
	int r;

	if (!bits)
		return case_skip("the host CPU has no SPEC_CTRL MSR (no IBRS/SSBD in CPUID): nothing to give the guest");
	if (bits & SPEC_IBRS)
		values[n++] = SPEC_IBRS;
	if (bits & SPEC_SSBD)
		values[n++] = SPEC_SSBD;
	values[n++] = bits;
	values[n++] = SPEC_RESERVED;
	values[n++] = 0;
	r = spec_run(values, n, l7, e8, -1, got, gps);
	if (r != CASE_PASS)
		return r;
	for (i = 0; i < n; i++) {
		bool reserved = values[i] == SPEC_RESERVED;

		tap_diag("guest wrote 0x%llx: read 0x%llx, %llu #GP",
			 (unsigned long long)values[i],
			 (unsigned long long)got[i],
			 (unsigned long long)gps[i]);
		CHECK_EQ(gps[i], reserved ? 1 : 0, "#GP for 0x%llx",
			 (unsigned long long)values[i]);
		CHECK_EQ(got[i], reserved ? last : values[i],
			 "read back after writing 0x%llx",
			 (unsigned long long)values[i]);
		if (!reserved)
			last = values[i];
	}
	return CASE_PASS;
}

/*
 * A bit the host has but the guest's CPUID does not advertise #GPs; on a
 * host without SPEC_CTRL the guest has no SPEC_CTRL at all, even with
 * CPUID saying it has: WRMSR and RDMSR both #GP.
 */
static int test_guest_spec_ctrl_cpuid(void)
{
	uint64_t values[2], got[2], gps[2];
	uint32_t l7, e8;
	uint64_t bits = host_spec_bits(&l7, &e8);
	int r;

	if (!bits) {
		values[0] = SPEC_IBRS;
		values[1] = 0;
		r = spec_run(values, 2, 1u << 26, 1u << 14, -1, got, gps);
		if (r != CASE_PASS)
			return r;
		tap_diag("no SPEC_CTRL on the host: %llu and %llu #GP for WRMSR+RDMSR of 0x1 and 0",
			 (unsigned long long)gps[0], (unsigned long long)gps[1]);
		CHECK_EQ(gps[0], 2, "#GPs for WRMSR+RDMSR of IBRS");
		CHECK_EQ(gps[1], 2, "#GPs for WRMSR+RDMSR of 0");
		return CASE_PASS;
	}
	values[0] = (bits & SPEC_IBRS) ? SPEC_IBRS : SPEC_SSBD;
	values[1] = 0;
	r = spec_run(values, 2, 0, 0, -1, got, gps);
	if (r != CASE_PASS)
		return r;
	CHECK_EQ(gps[0], 1, "#GP for 0x%llx with no SPEC_CTRL in CPUID",
		 (unsigned long long)values[0]);
	CHECK_EQ(gps[1], 0, "writing 0 is always allowed");
	return CASE_PASS;
}

static int test_host_spec_ctrl(void)
{
	uint64_t values[4], got[4], gps[4], h;
	uint32_t l7, e8;
	uint64_t bits = host_spec_bits(&l7, &e8);
	unsigned int n = 0;
	int fd, r;

	if (!bits)
		return case_skip("the host CPU has no SPEC_CTRL MSR (no IBRS/SSBD in CPUID)");
	fd = host_msr_open();
	if (fd < 0)
		return case_skip("no /dev/cpu/0/msr (msr module): %s",
				 strerror(errno));
	if (host_spec_ctrl(fd, &h)) {
		close(fd);
		return case_skip("RDMSR SPEC_CTRL through /dev/cpu/0/msr fails");
	}
	tap_diag("host SPEC_CTRL 0x%llx", (unsigned long long)h);
	/* Values that differ from the host's in each available bit. */
	values[n++] = bits & ~h;
	values[n++] = 0;
	values[n++] = bits;
	r = spec_run(values, n, l7, e8, fd, got, gps);
	close(fd);
	return r;
}

static const struct test_case cases[] = {
	{ "the module reports its steps and misses none the host applies",
	  test_report, 0 },
	{ "VERW before entry iff the host clears CPU buffers for guests",
	  test_verw, 0 },
	{ "IBPB between vCPUs iff the host uses IBPB", test_ibpb_vcpu, 0 },
	{ "guest SPEC_CTRL switched where the CPU has it", test_spec_ctrl, 0 },
	{ "branch history cleared after exits iff the host does for KVM",
	  test_bhb, 0 },
	{ "AMD return untraining / IBPB on exit as the host does",
	  test_untrain, 0 },
	{ "L1D flush before entry on L1TF-affected CPUs", test_l1d, 0 },
	{ "IBPB before returning to the VMM iff the host mitigates VMSCAPE",
	  test_vmscape, 0 },
	{ "guest SPEC_CTRL writes read back, reserved bits #GP",
	  test_guest_spec_ctrl, 0 },
	{ "guest SPEC_CTRL bits its CPUID or the host lacks #GP",
	  test_guest_spec_ctrl_cpuid, 0 },
	{ "host SPEC_CTRL unchanged after exits from a guest that wrote it",
	  test_host_spec_ctrl, 0 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
