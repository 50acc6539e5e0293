// SPDX-License-Identifier: GPL-2.0
/* Terminal mode while a guest runs (term.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "term.h"

static struct termios term_saved;
static bool term_changed;

void term_restore(void)
{
	if (!term_changed)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
	term_changed = false;
}

void term_setup(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &term_saved))
		return;
	t = term_saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(ICRNL | INLCR | IGNCR | IXON);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return;
	term_changed = true;
	atexit(term_restore);
}
