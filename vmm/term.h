/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The controlling terminal while a guest runs: raw input (the
 * guest echoes), but ^C still raises SIGINT and output keeps "\n" ->
 * "\r\n".  Restored on every exit path.
 */
#ifndef VMM_TERM_H
#define VMM_TERM_H

void term_setup(void);
void term_restore(void);

#endif
