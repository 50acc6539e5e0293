// SPDX-License-Identifier: GPL-2.0
/*
 * mbtest: a multiboot v1 test kernel.  It prints what the loader handed it
 * on COM1, one fact a line, and ends the VM through minivmm's exit port:
 *
 *   multiboot ok magic=0x2badb002 flags=0x...
 *   mem_lower=N KiB mem_upper=N KiB
 *   cmdline=<text>
 *   mmap base=0x... len=0x... type=N          (one line per entry)
 *   mods=N
 *   mod N start=0x... end=0x... string=<text> head=<first bytes>
 *   multiboot end
 *
 * A wrong magic number prints "multiboot bad magic=0x..." and exits 1.
 */
#include <stdint.h>

#define MB_BOOT_MAGIC	0x2badb002
#define MBI_MEM		(1u << 0)
#define MBI_CMDLINE	(1u << 2)
#define MBI_MODS	(1u << 3)
#define MBI_MMAP	(1u << 6)

/* Multiboot v1 information structure (fields up to the memory map). */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size;		/* of the rest of the entry */
	uint64_t base;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

struct mb_module {
	uint32_t start;
	uint32_t end;
	uint32_t string;
	uint32_t reserved;
};

#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20
/* vmm/debug_exit.h: a write of V ends minivmm with status V. */
#define EXIT_PORT	0x501
/* At most this many mmap entries and module bytes are printed. */
#define MAX_MMAP	32
#define MOD_HEAD	16

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc(char c)
{
	unsigned int spin = 1u << 20;

	/* Bounded: a UART that never drains must not hang the test. */
	while (!(inb(COM1_LSR) & LSR_THRE) && --spin)
		;
	outb(COM1, (uint8_t)c);
}

static void puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			putc('\r');
		putc(*s++);
	}
}

static void puthex(uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[19];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	buf[--i] = 'x';
	buf[--i] = '0';
	puts(&buf[i]);
}

static void putdec(uint32_t v)
{
	char buf[11];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts(&buf[i]);
}

/* A guest-physical string, at most @max bytes, non-printables as '.'. */
static void putstr(uint32_t addr, unsigned int max)
{
	const char *s = (const char *)addr;
	unsigned int i;

	for (i = 0; i < max && s[i]; i++)
		putc(s[i] >= ' ' && s[i] < 127 ? s[i] : '.');
}

static void exit_vm(uint8_t status)
{
	outb(EXIT_PORT, status);
}

static void show_mmap(const struct mb_info *mbi)
{
	uint32_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
	unsigned int n = 0;

	while (p + sizeof(struct mb_mmap_entry) <= end && n++ < MAX_MMAP) {
		const struct mb_mmap_entry *e = (const void *)p;

		puts("mmap base=");
		puthex(e->base);
		puts(" len=");
		puthex(e->len);
		puts(" type=");
		putdec(e->type);
		puts("\n");
		if (e->size < 20)
			break;
		p += e->size + 4;
	}
}

static void show_mods(const struct mb_info *mbi)
{
	const struct mb_module *m = (const void *)mbi->mods_addr;
	uint32_t i;

	puts("mods=");
	putdec(mbi->mods_count);
	puts("\n");
	for (i = 0; i < mbi->mods_count && i < 8; i++) {
		uint32_t len = m[i].end - m[i].start;

		puts("mod ");
		putdec(i);
		puts(" start=");
		puthex(m[i].start);
		puts(" end=");
		puthex(m[i].end);
		puts(" string=");
		if (m[i].string)
			putstr(m[i].string, 256);
		puts(" head=");
		putstr(m[i].start, len < MOD_HEAD ? len : MOD_HEAD);
		puts("\n");
	}
}

void mbtest_main(uint32_t magic, const struct mb_info *mbi);

void mbtest_main(uint32_t magic, const struct mb_info *mbi)
{
	if (magic != MB_BOOT_MAGIC) {
		puts("multiboot bad magic=");
		puthex(magic);
		puts("\n");
		exit_vm(1);
		return;
	}
	puts("multiboot ok magic=");
	puthex(magic);
	puts(" flags=");
	puthex(mbi->flags);
	puts("\n");
	if (mbi->flags & MBI_MEM) {
		puts("mem_lower=");
		putdec(mbi->mem_lower);
		puts(" KiB mem_upper=");
		putdec(mbi->mem_upper);
		puts(" KiB\n");
	}
	puts("cmdline=");
	if ((mbi->flags & MBI_CMDLINE) && mbi->cmdline)
		putstr(mbi->cmdline, 1024);
	puts("\n");
	if (mbi->flags & MBI_MMAP)
		show_mmap(mbi);
	if (mbi->flags & MBI_MODS)
		show_mods(mbi);
	puts("multiboot end\n");
	exit_vm(0);
}
