// SPDX-License-Identifier: GPL-2.0
/* Size and number syntax. */
#include <errno.h>
#include <stdbool.h>

#include "parse.h"
#include "tap.h"

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;
	int ret = parse_size(s, &v);

	ok(!ret && v == want, "parse_size(\"%s\") = %llu", s,
	   (unsigned long long)want);
}

/* -1 with errno @err. */
static bool failed(int ret, int err)
{
	return ret == -1 && errno == err;
}

/* @want is the negated errno the description shows. */
static void size_bad(const char *s, int want)
{
	uint64_t v;

	ok(failed(parse_size(s, &v), -want),
	   "parse_size(\"%s\") fails with %d", s, want);
}

int main(void)
{
	uint64_t v;

	size_ok("4096", 4096);
	size_ok("0x1000", 4096);
	size_ok("64K", 65536);
	size_ok("256M", 256ULL << 20);
	size_ok("256m", 256ULL << 20);
	size_ok("1G", 1ULL << 30);
	size_ok("1GiB", 1ULL << 30);
	size_ok("2gb", 2ULL << 30);
	size_ok("1T", 1ULL << 40);
	size_ok("0", 0);
	size_bad("", -EINVAL);
	size_bad("M", -EINVAL);
	size_bad("12Q", -EINVAL);
	size_bad("12MM", -EINVAL);
	size_bad("-1M", -EINVAL);
	size_bad(" 1M", -EINVAL);
	size_bad("1.5G", -EINVAL);
	size_bad("16777216T", -ERANGE);
	size_bad("99999999999999999999", -ERANGE);
	ok(parse_u64("0x10000", &v) == 0 && v == 0x10000, "parse_u64 hex");
	ok(parse_u64("12", &v) == 0 && v == 12, "parse_u64 decimal");
	ok(failed(parse_u64("12K", &v), EINVAL), "parse_u64 rejects units");
	ok(failed(parse_u64("", &v), EINVAL), "parse_u64 rejects empty");
	return tap_finish();
}
