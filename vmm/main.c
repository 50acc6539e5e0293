// SPDX-License-Identifier: GPL-2.0
/* The minivmm command line. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"
#include "vmm.h"

#define DEFAULT_DEV	"/dev/minivmm"
#define DEFAULT_MEM	(128ULL << 20)
#define DEFAULT_CMDLINE	"console=ttyS0"
#define MIN_MEM		(1ULL << 20)
#define PAGE_SIZE	4096ULL

bool log_debug_enabled;

static const char usage_text[] =
"Usage: minivmm [OPTIONS] --kernel FILE [--initrd FILE] [--cmdline STR]\n"
"       minivmm [OPTIONS] --flat FILE@ADDR [--mode real|protected|long]\n"
"\n"
"Runs a kernel or a flat binary in a virtual machine on /dev/minivmm.\n"
"\n"
"Options:\n"
"  -h, --help             show this text and exit\n"
"      --dev PATH         the minivmm device (default " DEFAULT_DEV ")\n"
"  -m, --mem SIZE         guest RAM, e.g. 64M, 1G, 4G (default 128M, at\n"
"                         least 1M, a multiple of 4K); RAM above 3 GiB\n"
"                         appears from 4 GiB on (the hole holds devices)\n"
"  -c, --cpus N           vCPUs, one thread each (default 1, at most 64)\n"
"  -k, --kernel FILE      boot FILE: a Linux bzImage (64-bit entry, boot\n"
"                         protocol 2.12+), an x86-64 ELF vmlinux or a\n"
"                         multiboot v1 kernel; with an in-kernel LAPIC and\n"
"                         IOAPIC, platform devices and ACPI tables\n"
"  -i, --initrd FILE      the initrd (multiboot: module 0)\n"
"  -a, --cmdline STR      the kernel command line (default \"" DEFAULT_CMDLINE "\")\n"
"  -f, --flat FILE@ADDR   load FILE at guest-physical ADDR and start there;\n"
"                         every vCPU starts at ADDR with its own stack,\n"
"                         rdi = vCPU number, rsi = N\n"
"      --mode MODE        for --flat: real, protected or long (default long):\n"
"                           real: CS = ADDR >> 4, IP = ADDR & 15, DS = ES =\n"
"                                 FS = GS = CS, SS = 0; image below 1 MiB\n"
"                           protected: flat 4 GiB 32-bit segments, no paging\n"
"                           long: 64-bit, identity-mapped first 4 GiB\n"
"                                 (2 MiB pages)\n"
"                         0x1000-0xffff is taken by the GDT, page tables\n"
"                         and stacks (0x8000-0xffff only in real mode)\n"
"  -d, --debug            log unhandled port IO, MMIO and vCPU events\n"
"\n"
"virtio-mmio devices (--kernel; found by Linux through ACPI):\n"
"      --disk PATH[,ro][,serial=ID]  a raw disk image as virtio-blk\n"
"                         (/dev/vda, vdb, ...; up to 8; locked while in use)\n"
"      --net tap=NAME[,mac=MAC]  virtio-net on TAP device NAME (created if\n"
"                         minivmm may, else an existing one)\n"
"      --console virtio   stdin/stdout on virtio-console (the guest's hvc0)\n"
"                         instead of the UART's input\n"
"      --rng              virtio-rng fed by getrandom() (/dev/hwrng)\n"
"\n"
"Devices: a 16550 UART at port 0x3f8 on stdin/stdout; a write of V to\n"
"port 0x501 ends the VM with exit status V.\n"
"\n"
"Exit status: 0 guest powered off, halted (--flat: HLT with IF=0 on the\n"
"last running vCPU) or wrote 0 to port 0x501; 1 minivmm error; 2 bad\n"
"command line; 3 guest crashed (triple fault, failed entry, internal\n"
"error; registers dumped); 4 every vCPU halted, the last with IF=1 and\n"
"no interrupt controller to wake it; 5 the guest reset (reboot);\n"
"128+N stopped by signal N (130 SIGINT, 143 SIGTERM).\n";

enum {
	OPT_DEV = 0x100,
	OPT_MODE,
	OPT_DISK,
	OPT_NET,
	OPT_CONSOLE,
	OPT_RNG,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "mem", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "flat", required_argument, NULL, 'f' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, 'a' },
	{ "debug", no_argument, NULL, 'd' },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "net", required_argument, NULL, OPT_NET },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "rng", no_argument, NULL, OPT_RNG },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *fmt, const char *arg, const char *why)
{
	fprintf(stderr, "minivmm: ");
	fprintf(stderr, fmt, arg);
	if (why)
		fprintf(stderr, ": %s", why);
	fprintf(stderr, "\nTry 'minivmm --help'.\n");
	return VMM_EXIT_USAGE;
}

/* Why parse_u64() or parse_size() failed, from errno. */
static const char *parse_error_text(void)
{
	return errno == ERANGE ? "value too large" : "bad number";
}

/* "FILE@ADDR": the last '@' separates, so FILE may contain one. */
static int parse_flat(char *arg, struct vmm_config *cfg)
{
	char *at = strrchr(arg, '@');
	int ret;

	if (!at || at == arg || !at[1])
		return usage_error("--flat '%s'", arg,
				   "expected FILE@ADDR, e.g. guest.bin@0x10000");
	*at = '\0';
	ret = parse_size(at + 1, &cfg->flat_addr);
	if (ret) {
		*at = '@';
		return usage_error("--flat '%s'", arg,
				   errno == ERANGE ? "address too large" :
				   "bad address after '@'");
	}
	cfg->flat_path = arg;
	return 0;
}

static int parse_args(int argc, char **argv, struct vmm_config *cfg)
{
	uint64_t v;
	bool mode_set = false;
	int opt, ret, mode;

	cfg->dev = DEFAULT_DEV;
	cfg->mem_size = DEFAULT_MEM;
	cfg->nr_cpus = 1;
	cfg->mode = X86_MODE_LONG;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hm:c:f:k:i:a:d", long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case OPT_DEV:
			cfg->dev = optarg;
			break;
		case 'm':
			ret = parse_size(optarg, &v);
			if (ret)
				return usage_error("--mem '%s'", optarg,
						   errno == ERANGE ? "too large" :
						   "bad size (use e.g. 128M, 1G, 65536)");
			if (v < MIN_MEM)
				return usage_error("--mem '%s'", optarg,
						   "at least 1M is needed");
			if (v % PAGE_SIZE)
				return usage_error("--mem '%s'", optarg,
						   "must be a multiple of 4K");
			cfg->mem_size = v;
			break;
		case 'c':
			ret = parse_u64(optarg, &v);
			if (ret)
				return usage_error("--cpus '%s'", optarg,
						   parse_error_text());
			if (!v || v > X86_MAX_CPUS)
				return usage_error("--cpus '%s'", optarg,
						   "must be 1..64");
			cfg->nr_cpus = (unsigned int)v;
			break;
		case 'f':
			if (parse_flat(optarg, cfg))
				return VMM_EXIT_USAGE;
			break;
		case OPT_MODE:
			mode = x86_mode_parse(optarg);
			if (mode < 0)
				return usage_error("--mode '%s'", optarg,
						   "must be real, protected or long");
			cfg->mode = (enum x86_mode)mode;
			mode_set = true;
			break;
		case 'k':
			cfg->kernel.kernel = optarg;
			break;
		case 'i':
			cfg->kernel.initrd = optarg;
			break;
		case 'a':
			cfg->kernel.cmdline = optarg;
			break;
		case 'd':
			log_debug_enabled = true;
			break;
		case OPT_DISK:
			if (virtio_parse_opt(&cfg->virtio, "disk", optarg))
				return VMM_EXIT_USAGE;
			break;
		case OPT_NET:
			if (virtio_parse_opt(&cfg->virtio, "net", optarg))
				return VMM_EXIT_USAGE;
			break;
		case OPT_CONSOLE:
			if (virtio_parse_opt(&cfg->virtio, "console", optarg))
				return VMM_EXIT_USAGE;
			break;
		case OPT_RNG:
			if (virtio_parse_opt(&cfg->virtio, "rng", optarg))
				return VMM_EXIT_USAGE;
			break;
		case ':':
			return usage_error("option '%s' needs an argument",
					   argv[optind - 1], NULL);
		default:
			return usage_error("unknown option '%s'",
					   argv[optind - 1], NULL);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind],
				   NULL);
	if (cfg->flat_path && cfg->kernel.kernel)
		return usage_error("%s", "--kernel and --flat exclude each other",
				   NULL);
	if (!cfg->flat_path && !cfg->kernel.kernel)
		return usage_error("%s", "nothing to run",
				   "give a guest with --kernel FILE or --flat FILE@ADDR");
	if (!cfg->kernel.kernel && (cfg->kernel.initrd || cfg->kernel.cmdline))
		return usage_error("%s", "--initrd and --cmdline need --kernel",
				   NULL);
	if (cfg->kernel.kernel && mode_set)
		return usage_error("%s", "--mode is for --flat only", NULL);
	if (cfg->kernel.kernel && !cfg->kernel.cmdline)
		cfg->kernel.cmdline = DEFAULT_CMDLINE;
	return 0;
}

int main(int argc, char **argv)
{
	struct vmm_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	if (parse_args(argc, argv, &cfg))
		return VMM_EXIT_USAGE;
	if (cfg.kernel.kernel)
		pr_debug("%s: %" PRIu64 " MiB, %u vCPU(s), kernel %s, initrd %s, cmdline \"%s\"",
			 cfg.dev, cfg.mem_size >> 20, cfg.nr_cpus,
			 cfg.kernel.kernel,
			 cfg.kernel.initrd ? cfg.kernel.initrd : "(none)",
			 cfg.kernel.cmdline);
	else
		pr_debug("%s: %" PRIu64 " MiB, %u vCPU(s), %s at 0x%" PRIx64 " in %s mode",
			 cfg.dev, cfg.mem_size >> 20, cfg.nr_cpus,
			 cfg.flat_path, cfg.flat_addr, x86_mode_name(cfg.mode));
	return vmm_run(&cfg);
}
