// SPDX-License-Identifier: GPL-2.0
/*
 * Decodes one instruction per input line ("16|32|64 hex bytes...") and
 * prints the result, for objdump_diff.py:
 *   ret len mem_size is_write reg high8 has_imm imm(hex) dst_size ext
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../kmod/x86_decode.h"

int main(void)
{
	char line[512];

	while (fgets(line, sizeof(line), stdin)) {
		enum mvm_insn_mode mode = MVM_INSN_MODE64;
		struct mvm_insn insn;
		unsigned int n = 0;
		char *p = line, *end;
		u8 buf[64];
		long bits;
		int ret;

		bits = strtol(p, &end, 10);
		if (bits == 16)
			mode = MVM_INSN_MODE16;
		else if (bits == 32)
			mode = MVM_INSN_MODE32;
		p = end;
		while (n < sizeof(buf)) {
			unsigned long v = strtoul(p, &end, 16);

			if (end == p)
				break;
			buf[n++] = (u8)v;
			p = end;
		}
		ret = mvm_insn_decode(buf, n, mode, &insn);
		printf("%d %u %u %d %u %d %d %llx %u %u\n", ret, insn.len,
		       insn.mem_size, insn.is_write, insn.reg, insn.high8,
		       insn.has_imm, (unsigned long long)insn.imm,
		       insn.dst_size, insn.ext);
	}
	return 0;
}
