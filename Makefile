# SPDX-License-Identifier: GPL-2.0
#
# minivmm: top-level build and test entry points.
#
#   make / make all   the module (against KDIR), the VMM and its guests, the
#                     in-bed tests
#   make run          the main job: boots the AMD-V test bed (QEMU), where
#                     minivmm boots the Debian kernel to a busybox shell
#                     (tests/beds/demo.sh) after the small demo guests
#   make check        every test: host checks, then the QEMU bed (AMD-V), then
#                     the Bochs bed (VT-x); ends with "N passed, N failed,
#                     N skipped" and fails if anything failed
#   make check-host / check-qemu / check-bochs    one part of "make check"
#                     (QEMU_CPUS=2 make check-qemu: a 2-CPU AMD-V bed, see
#                     tests/beds/README.md for why that is not the default;
#                     check-qemu includes the slow-TSC bed qemu-slowtsc)
#   make bench        the benchmarks of bench/ in both beds
#   make deps         installs the Debian packages all this needs
#                     (make run and make check do it first)
#
# The machine building this needs no VT-x/AMD-V and never loads the module:
# the beds are emulated machines (tests/beds/README.md).  Everything built
# goes to $(BUILD); bed logs are kept in $(BUILD)/beds/.

BUILD ?= build
# Variables given on the command line (BUILD=...) stay here: the Makefiles
# of vmm/, tests/... have their own BUILD.
MAKEOVERRIDES :=
BEDS := tests/beds
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

# The beds' kernel: the newest Debian 6.1 with headers installed.
BED_KVER ?= $(shell . $(BEDS)/lib.sh && bed_kver)
BED_KDIR ?= /usr/src/linux-headers-$(BED_KVER)
# The newest 6.12 headers: the module must build there too.
KDIR_612 ?= $(lastword $(shell ls -d /usr/src/linux-headers-6.12*-amd64 2> /dev/null | sort -V))
# "make all": the running kernel if it has a build tree, else the beds'.
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(BED_KDIR))

# kbuild writes into the M= directory: each build gets its own copy of
# kmod/ and include/ so that concurrent builds do not clobber each other.
KMOD_SRC := kmod include
KBUILD_KEEP := --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
	--exclude=Module.symvers --exclude=modules.order --exclude='*.dwo'
# $(call kbuild,DIR,KDIR,FLAGS): builds minivmm.ko in DIR/kmod.
define kbuild
	@mkdir -p $(1)
	rsync -a --delete $(KBUILD_KEEP) $(KMOD_SRC) $(1)/
	+$(MAKE) -C $(2) M=$(abspath $(1))/kmod $(3) modules
endef
# $(call no_warnings,LOG): compiler, sparse and modpost complaints fail a
# checked build; make's own "make[2]: warning: ..." lines do not.
no_warnings = ! grep -v -E '^make(\[[0-9]+\])?: ' $(1) | \
	grep -E '(warning|error):|WARNING:'

.PHONY: all module vmm tests deps run check check-host check-qemu \
	check-bochs bench clean check-header check-unit check-vmm \
	check-fuzz check-kmod-6.1 check-kmod-6.12 check-checkpatch \
	check-sparse check-spec-entry initramfs bed-qemu bed-qemu-slowtsc bed-bochs \
	bed-bochs-smp bench-build

all: module vmm tests bench-build

module:
	$(call kbuild,$(BUILD)/kmod,$(KDIR),)
	cp $(BUILD)/kmod/kmod/minivmm.ko $(BUILD)/minivmm.ko
	cp $(BUILD)/kmod/kmod/minivmm.ko kmod/minivmm.ko
	@echo "module: kmod/minivmm.ko (built against $(KDIR))"

vmm:
	$(MAKE) -C vmm

# tests/ and bench/ link vmm/libminivmm.a: vmm/ goes first.
tests: vmm
	$(MAKE) -C tests

bench-build: vmm
	$(MAKE) -C bench

deps:
	@$(BEDS)/install-deps.sh

# ---------------------------------------------------------------------
# The main job

run: deps
	@$(MAKE) --no-print-directory run-qemu

.PHONY: run-qemu
run-qemu: vmm
	$(call kbuild,$(BUILD)/kmod-6.1,$(BED_KDIR),)
	$(MAKE) -C tests/linux
	@mkdir -p $(BUILD)/beds
	$(BEDS)/mkinitramfs.sh -o $(BUILD)/beds/run.cpio -K $(BED_KVER) \
		-m $(BUILD)/kmod-6.1/kmod/minivmm.ko -v vmm/minivmm \
		-g vmm/guests -d $(BEDS)/demo.sh -M "" -k tests/build/linux
	@echo "=== booting the AMD-V bed (QEMU TCG, -cpu qemu64,+svm,+npt)"
	@$(BEDS)/qemu.sh -f -m run -t 600 -K $(BED_KVER) \
		-i $(BUILD)/beds/run.cpio -l $(BUILD)/beds/run.log | \
		grep --line-buffered -v -E '^MINIVMM-|^\[(insmod|rmmod|demo|kernel-log)\] # kmsg'
	@grep -q '^MINIVMM-RESULT demo rc=0' $(BUILD)/beds/run.log && \
		grep -q "^MINIVMM-BED-END $$(cat $(BUILD)/beds/run.log.token)" \
			$(BUILD)/beds/run.log || \
		{ echo "make run: the demo failed; see $(BUILD)/beds/run.log"; exit 1; }

# ---------------------------------------------------------------------
# Tests.  tests/beds/check.sh runs each step below, counts its results
# and prints the totals; a step that fails to build is a failure.

check: deps
	+@MAKE="$(MAKE)" BUILD="$(BUILD)" $(BEDS)/check.sh host qemu \
		qemu-slowtsc bochs bochs-smp

check-host: deps
	+@MAKE="$(MAKE)" BUILD="$(BUILD)" $(BEDS)/check.sh host

check-qemu: deps
	+@MAKE="$(MAKE)" BUILD="$(BUILD)" $(BEDS)/check.sh qemu qemu-slowtsc

check-bochs: deps
	+@MAKE="$(MAKE)" BUILD="$(BUILD)" $(BEDS)/check.sh bochs bochs-smp

# Each of these prints TAP or fails; check.sh counts them.
HEADER_TESTS := gcc:c:c11:-pedantic g++:cc:c++11: clang:c:c11:-pedantic \
	clang++:cc:c++17:
check-header:
	@mkdir -p $(BUILD)/header
	@n=0; fail=0; echo "1..$(words $(HEADER_TESTS))"; \
	for t in $(HEADER_TESTS); do \
		IFS=: read -r cc ext std extra <<< "$$t"; \
		n=$$((n + 1)); \
		src=tests/header/abi_$$([ $$ext = c ] && echo c || echo cpp).$$ext; \
		if $$cc -std=$$std -Wall -Wextra -Werror $$extra \
			-o $(BUILD)/header/abi_$$cc $$src && \
			$(BUILD)/header/abi_$$cc; then \
			echo "ok $$n - include/minivmm.h: $$cc -std=$$std"; \
		else \
			echo "not ok $$n - include/minivmm.h: $$cc -std=$$std"; \
			fail=1; \
		fi; \
	done; exit $$fail

check-unit:
	$(MAKE) -C tests/unit check

check-vmm:
	$(MAKE) -C vmm check

FUZZ_SECONDS ?= 60
check-fuzz:
	timeout $$((2 * $(FUZZ_SECONDS) + 120)) \
		$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

check-kmod-6.1:
	$(call kbuild,$(BUILD)/kmod-6.1,$(BED_KDIR),W=1) 2>&1 | \
		tee $(BUILD)/kmod-6.1.log
	@$(call no_warnings,$(BUILD)/kmod-6.1.log)
	@test -f $(BUILD)/kmod-6.1/kmod/minivmm.ko

check-kmod-6.12:
	$(call kbuild,$(BUILD)/kmod-6.12,$(KDIR_612),W=1) 2>&1 | \
		tee $(BUILD)/kmod-6.12.log
	@$(call no_warnings,$(BUILD)/kmod-6.12.log)
	@test -f $(BUILD)/kmod-6.12/kmod/minivmm.ko

# The speculation steps in both modules' VM entry code (objdump, ELF).
check-spec-entry: check-kmod-6.1 check-kmod-6.12
	python3 tests/spec_entry_check.py $(BED_KDIR) \
		$(BUILD)/kmod-6.1/kmod/minivmm.ko
	python3 tests/spec_entry_check.py $(KDIR_612) \
		$(BUILD)/kmod-6.12/kmod/minivmm.ko

# sparse: C=2 checks every file, not only the ones rebuilt.
check-sparse:
	$(call kbuild,$(BUILD)/kmod-sparse,$(BED_KDIR),C=2) 2>&1 | \
		tee $(BUILD)/kmod-sparse.log
	@$(call no_warnings,$(BUILD)/kmod-sparse.log)

# checkpatch.pl and its data files, from the Debian kernel source.
CHECKPATCH := $(BUILD)/checkpatch/scripts/checkpatch.pl
$(CHECKPATCH):
	@mkdir -p $(BUILD)/checkpatch
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C $(BUILD)/checkpatch \
		--strip-components=1 linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $@

check-checkpatch: $(CHECKPATCH)
	cd $(dir $(CHECKPATCH)) && perl checkpatch.pl --strict --no-tree \
		--quiet --show-types -f $(abspath $(sort $(wildcard kmod/*.[ch])))

# ---------------------------------------------------------------------
# The beds

# What the bench mode runs: bench/bench-list.txt (same format as
# tests/bed-tests.txt) if there is one, else bench/build/exit_bench.
BENCH_LIST := $(BUILD)/beds/bench-list.txt
$(BENCH_LIST): FORCE
	@mkdir -p $(dir $@)
	@if [ -f bench/bench-list.txt ]; then cp bench/bench-list.txt $@; \
	elif [ -x bench/build/exit_bench ]; then \
		echo "qemu,bochs 1800 /minivmm/bench/exit_bench" > $@; \
	else : > $@; fi
.PHONY: FORCE
FORCE:

# The initramfs both beds boot (the mode is on the kernel command line).
initramfs: $(BENCH_LIST)
	@mkdir -p $(BUILD)/beds
	$(BEDS)/mkinitramfs.sh -o $(BUILD)/beds/initramfs.cpio -K $(BED_KVER) \
		-m $(BUILD)/kmod-6.1/kmod/minivmm.ko -v vmm/minivmm \
		-g vmm/guests -t tests/build -s tests -l tests/bed-tests.txt \
		-b bench/build -L $(BENCH_LIST) -d $(BEDS)/demo.sh \
		-k tests/build/linux

# Wall-clock limits: boot plus every test's timeout.  Bochs' guest clock
# runs slower than the wall clock (see BOCHS_SLOWDOWN in tests/beds/).
BED_MODE ?= check
BED_LIST = $(if $(filter bench,$(BED_MODE)),$(BENCH_LIST),tests/bed-tests.txt)
# One CPU: QEMU 7.2's multi-threaded TCG corrupts a 2-CPU bed's memory
# under nested SVM (tests/beds/README.md).  QEMU_CPUS=2 in the environment
# runs the SMP-only tests too, on a bed that may die under them.
QEMU_CPUS ?= 1
bed-qemu:
	$(BEDS)/qemu.sh -m $(BED_MODE) -K $(BED_KVER) -c $(QEMU_CPUS) \
		-t $$((180 + $$(. $(BEDS)/lib.sh && list_budget $(BED_LIST) qemu))) \
		-i $(BUILD)/beds/initramfs.cpio -l $(BUILD)/beds/qemu-$(BED_MODE).log

# The QEMU bed with a 500 MHz TSC (the list's "qemu-slowtsc" lines): the
# L1 kernel keeps tsc_early_khz when its own calibration disagrees by more
# than 1%, so the module's tsc_khz is below 1 GHz (tests/beds/README.md).
# oops=panic: an oops there is what the bed looks for, and the kernel it
# leaves behind can hang until the wall limit; a panic ends the run at once.
SLOWTSC_KHZ ?= 500000
SLOWTSC_CMDLINE = tsc_early_khz=$(SLOWTSC_KHZ) oops=panic
bed-qemu-slowtsc:
	BED_CMDLINE="$(strip $(BED_CMDLINE) $(SLOWTSC_CMDLINE))" \
	$(BEDS)/qemu.sh -m $(BED_MODE) -K $(BED_KVER) -c 1 -n qemu-slowtsc \
		-t $$((180 + $$(. $(BEDS)/lib.sh && \
			list_budget $(BED_LIST) qemu-slowtsc))) \
		-i $(BUILD)/beds/initramfs.cpio \
		-l $(BUILD)/beds/qemu-slowtsc-$(BED_MODE).log

bed-bochs:
	$(BEDS)/bochs.sh -m $(BED_MODE) -K $(BED_KVER) \
		-t $$(. $(BEDS)/lib.sh && bochs_wall $(BED_LIST)) \
		-i $(BUILD)/beds/initramfs.cpio -l $(BUILD)/beds/bochs-$(BED_MODE).log

# The tests that need two host CPUs (the "bochs-smp" lines of the list):
# Bochs runs both on one host thread, so it has no QEMU 7.2-style races.
bed-bochs-smp:
	$(BEDS)/bochs.sh -m $(BED_MODE) -K $(BED_KVER) -c 2 -n bochs-smp \
		-t $$(. $(BEDS)/lib.sh && bochs_wall $(BED_LIST) bochs-smp) \
		-i $(BUILD)/beds/initramfs.cpio \
		-l $(BUILD)/beds/bochs-smp-$(BED_MODE).log

bench: deps
	+@MAKE="$(MAKE)" BUILD="$(BUILD)" $(BEDS)/check.sh bench

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C vmm clean
	-$(MAKE) -C tests clean
	-$(MAKE) -C bench clean
