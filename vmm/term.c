// SPDX-License-Identifier: GPL-2.0
/* Terminal mode while a guest runs (term.h). */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "serial.h"
#include "term.h"

static struct termios term_saved;
static volatile sig_atomic_t term_changed;

/* Signals whose default action ends the process with the terminal raw. */
static const int term_fatal_signals[] = {
	SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGUSR1,
	SIGUSR2, SIGALRM,
};

void term_restore(void)
{
	if (!term_changed)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
	term_changed = 0;
}

/* Async-signal-safe: tcsetattr, then the default action (SA_RESETHAND). */
static void term_signal(int sig)
{
	term_restore();
	raise(sig);
}

static void term_catch_fatal(void)
{
	struct sigaction sa;
	unsigned int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = term_signal;
	sa.sa_flags = (int)SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(term_fatal_signals) / sizeof(int); i++) {
		struct sigaction old;

		/* Leave signals someone else handles (or ignores) alone. */
		if (sigaction(term_fatal_signals[i], NULL, &old) ||
		    old.sa_handler != SIG_DFL)
			continue;
		sigaction(term_fatal_signals[i], &sa, NULL);
	}
}

void term_setup(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &term_saved))
		return;
	t = term_saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN);
	/* ^C goes to the guest only when Ctrl-a x can still end the VM. */
	if (serial_escape_active())
		t.c_lflag &= ~(tcflag_t)ISIG;
	t.c_iflag &= ~(tcflag_t)(ICRNL | INLCR | IGNCR | IXON | BRKINT |
				 ISTRIP | PARMRK);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	term_catch_fatal();
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return;
	term_changed = 1;
	atexit(term_restore);
}
