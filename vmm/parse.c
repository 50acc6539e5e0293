// SPDX-License-Identifier: GPL-2.0
/* Number and size syntax of the command line. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "parse.h"

/* strtoull accepts leading blanks and a sign: we do not. */
static int parse_prefix(const char *s, uint64_t *out, char **end)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return err_set(EINVAL);
	errno = 0;
	*out = strtoull(s, end, 0);
	if (errno == ERANGE)
		return -1;
	if (*end == s)
		return err_set(EINVAL);
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	int ret = parse_prefix(s, out, &end);

	if (ret)
		return ret;
	return *end ? err_set(EINVAL) : 0;
}

int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned int shift = 0;
	uint64_t v;
	char *end;
	const char *u;
	int ret = parse_prefix(s, &v, &end);

	if (ret)
		return ret;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			return err_set(EINVAL);
		shift = 10 * (unsigned int)(u - units + 1);
		end++;
		if (!strcmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
		if (*end)
			return err_set(EINVAL);
	}
	if (shift && v > (UINT64_MAX >> shift))
		return err_set(ERANGE);
	*out = v << shift;
	return 0;
}
