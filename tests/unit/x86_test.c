// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the architectural rules in kmod/x86.c, printing TAP.
 *
 * The expectations are written from the SDM (vol. 3A, 6.15, tables 6-4
 * and 6-5; 4.1.4 for PAT; 3.4.5 for segment descriptors) as lists and a
 * table here, not derived from the helpers under test, so a slip in
 * either shows up as a disagreement.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../../kmod/x86.h"
#include "../../include/minivmm.h"

static unsigned int test_nr;
static unsigned int failed;

static void tap(int ok, const char *name)
{
	test_nr++;
	if (!ok)
		failed++;
	printf("%sok %u - %s\n", ok ? "" : "not ", test_nr, name);
}

/* Table 6-4: the classes, by vector. */
static const unsigned char contributory[] = { 0, 10, 11, 12, 13, 21 };
static const unsigned char page_fault[] = { 14, 20 };

enum { BENIGN, CONTRIB, PAGEF, DOUBLE };	/* rows and columns of 6-5 */
enum { SERIAL, GIVES_DF, SHUTDOWN };

/* Table 6-5: first exception (row) against second exception (column). */
static const int table_6_5[4][3] = {
	[BENIGN]  = { SERIAL, SERIAL,   SERIAL },
	[CONTRIB] = { SERIAL, GIVES_DF, SERIAL },
	[PAGEF]   = { SERIAL, GIVES_DF, GIVES_DF },
	[DOUBLE]  = { SERIAL, SHUTDOWN, SHUTDOWN },
};

static int in_list(unsigned int v, const unsigned char *list, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

static int class_of(unsigned int v)
{
	if (in_list(v, contributory, sizeof(contributory)))
		return CONTRIB;
	if (in_list(v, page_fault, sizeof(page_fault)))
		return PAGEF;
	return BENIGN;
}

static int expected_merge(unsigned int first, unsigned int second)
{
	int row = first == 8 ? DOUBLE : class_of(first);

	switch (table_6_5[row][class_of(second)]) {
	case GIVES_DF:
		return 8;
	case SHUTDOWN:
		return MVM_EXC_TRIPLE_FAULT;
	default:
		return second;
	}
}

/* One line per first vector; each wrong pair is named in a comment. */
static void merge_tests(void)
{
	unsigned int first, second;
	char name[64];

	for (first = 0; first < 32; first++) {
		int ok = 1;

		for (second = 0; second < 32; second++) {
			int want = expected_merge(first, second);
			int got = mvm_exc_merge(first, second);

			if (got != want) {
				printf("# merge(%u, %u) = %d, want %d\n",
				       first, second, got, want);
				ok = 0;
			}
		}
		snprintf(name, sizeof(name),
			 "table 6-5: vector %u then each of 0..31", first);
		tap(ok, name);
	}
}

/* The vectors that push an error code (table 6-1). */
static const unsigned char error_code[] = { 8, 10, 11, 12, 13, 14, 17, 21 };

static void error_tests(void)
{
	unsigned int v;
	int ok = 1;

	for (v = 0; v < 32; v++) {
		int want = in_list(v, error_code, sizeof(error_code));

		if (mvm_exc_has_error(v) != want) {
			printf("# has_error(%u) = %d, want %d\n", v, !want,
			       want);
			ok = 0;
		}
	}
	tap(ok, "error code exactly for #DF #TS #NP #SS #GP #PF #AC #CP");
}

static const struct {
	unsigned long long addr;
	int canonical;
} canon[] = {
	{ 0, 1 },
	{ 0x00007fffffffffffULL, 1 },
	{ 0x0000800000000000ULL, 0 },
	{ 0xffff7fffffffffffULL, 0 },
	{ 0xffff800000000000ULL, 1 },
	{ ~0ULL, 1 },
	{ 0x8000000000000000ULL, 0 },
	{ 0x0001000000000000ULL, 0 },
};

static void canonical_tests(void)
{
	unsigned int i;
	char name[64];

	for (i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		snprintf(name, sizeof(name), "%#018llx is %scanonical",
			 canon[i].addr, canon[i].canonical ? "" : "not ");
		tap(mvm_x86_canonical(canon[i].addr) == canon[i].canonical,
		    name);
	}
}

/* The power-on PAT: WB, WT, UC-, UC, twice. */
#define PAT_DEFAULT	0x0007040600070406ULL

static int pat_type_valid(unsigned int t)
{
	/* UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7. */
	return t == 0 || t == 1 || (t >= 4 && t <= 7);
}

static void pat_tests(void)
{
	unsigned int pos, t;
	char name[64];

	tap(mvm_x86_pat_valid(PAT_DEFAULT), "the power-on PAT is valid");
	for (pos = 0; pos < 8; pos++) {
		int ok = 1;

		for (t = 0; t < 256; t++) {
			unsigned long long pat = PAT_DEFAULT;

			pat &= ~(0xffULL << (8 * pos));
			pat |= (unsigned long long)t << (8 * pos);
			if (mvm_x86_pat_valid(pat) != pat_type_valid(t)) {
				printf("# PA%u = %#x judged wrongly\n", pos,
				       t);
				ok = 0;
			}
		}
		snprintf(name, sizeof(name), "PAT entry %u: each of 0..255",
			 pos);
		tap(ok, name);
	}
}

static const struct {
	const char *name;
	size_t off;
	unsigned char max;
} seg_fields[] = {
	{ "type", offsetof(struct minivmm_segment, type), 15 },
	{ "present", offsetof(struct minivmm_segment, present), 1 },
	{ "dpl", offsetof(struct minivmm_segment, dpl), 3 },
	{ "db", offsetof(struct minivmm_segment, db), 1 },
	{ "s", offsetof(struct minivmm_segment, s), 1 },
	{ "l", offsetof(struct minivmm_segment, l), 1 },
	{ "g", offsetof(struct minivmm_segment, g), 1 },
	{ "avl", offsetof(struct minivmm_segment, avl), 1 },
	{ "unusable", offsetof(struct minivmm_segment, unusable), 1 },
	{ "pad", offsetof(struct minivmm_segment, pad), 0 },
};

static void seg_tests(void)
{
	struct minivmm_segment seg;
	unsigned int i;
	char name[64];

	memset(&seg, 0, sizeof(seg));
	tap(mvm_x86_seg_fields_valid(&seg), "segment: all fields zero");
	for (i = 0; i < sizeof(seg_fields) / sizeof(seg_fields[0]); i++) {
		unsigned char *f = (unsigned char *)&seg + seg_fields[i].off;

		memset(&seg, 0, sizeof(seg));
		*f = seg_fields[i].max;
		snprintf(name, sizeof(name), "segment: %s = %u accepted",
			 seg_fields[i].name, seg_fields[i].max);
		tap(mvm_x86_seg_fields_valid(&seg), name);
		*f = seg_fields[i].max + 1;
		snprintf(name, sizeof(name), "segment: %s = %u refused",
			 seg_fields[i].name, seg_fields[i].max + 1);
		tap(!mvm_x86_seg_fields_valid(&seg), name);
		*f = 0xff;
		snprintf(name, sizeof(name), "segment: %s = 255 refused",
			 seg_fields[i].name);
		tap(!mvm_x86_seg_fields_valid(&seg), name);
	}
}

int main(void)
{
	unsigned int planned = 32 + 1 + sizeof(canon) / sizeof(canon[0]) +
			       1 + 8 + 1 + 3 * 10;

	printf("1..%u\n", planned);
	merge_tests();
	error_tests();
	canonical_tests();
	pat_tests();
	seg_tests();
	printf("# %u passed, %u failed\n", test_nr - failed, failed);
	if (test_nr != planned) {
		printf("# ran %u of %u planned\n", test_nr, planned);
		return 1;
	}
	return failed ? 1 : 0;
}
