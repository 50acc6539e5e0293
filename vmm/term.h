/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The controlling terminal while a guest runs: raw input (the guest
 * echoes), but output keeps "\n" -> "\r\n".  When COM1's reader thread
 * handles the input (platform_init ran), ^C, ^Z and ^\ go to the guest
 * and Ctrl-a x quits (serial.h); otherwise ^C still stops the VMM.
 * Call it after platform_init().  Restored on every exit path: normal
 * exit (atexit) and fatal signals (the handler restores, then the
 * signal's default action runs).
 */
#ifndef VMM_TERM_H
#define VMM_TERM_H

void term_setup(void);
void term_restore(void);

#endif
