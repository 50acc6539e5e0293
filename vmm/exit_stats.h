/* SPDX-License-Identifier: GPL-2.0 */
/* Exit statistics (exit_stats.c): what vm.c calls for hv_vcpu_run(). */
#ifndef VMM_EXIT_STATS_H
#define VMM_EXIT_STATS_H

#include "hv.h"

/* MINIVMM_RUN, counted in vcpu->stats: 0 or -1 as hv_vcpu_run(). */
int hv_vcpu_run_counted(struct hv_vcpu *vcpu);
/* Frees @st (NULL is fine). */
void hv_stats_free(struct hv_exit_stats *st);

#endif
