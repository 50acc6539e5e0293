// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-physical page table (EPT or NPT): 4 levels of 512
 * entries, 4 KiB leaves.  The backend supplies the entry bits; this file
 * only knows the shape.  Intermediate tables stay until the VM dies, so
 * hardware never walks a freed table.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/io.h>

#include "mvm.h"

#define MVM_GPT_LEVELS		4
#define MVM_GPT_ENTRIES		512

static unsigned int mvm_gpt_index(u64 gpa, int level)
{
	/* level 4 is the root (bits 47:39), level 1 the leaves (20:12). */
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (MVM_GPT_ENTRIES - 1);
}

static u64 *mvm_gpt_table_alloc(phys_addr_t *pa)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return NULL;
	*pa = page_to_phys(page);
	return page_address(page);
}

int mvm_gpt_init(struct mvm_gpt *gpt)
{
	mutex_init(&gpt->lock);
	gpt->root = mvm_gpt_table_alloc(&gpt->root_pa);
	return gpt->root ? 0 : -ENOMEM;
}

static void mvm_gpt_free_level(u64 *table, int level)
{
	unsigned int i;

	if (level > 1) {
		for (i = 0; i < MVM_GPT_ENTRIES; i++) {
			u64 e = table[i];

			if (mvm_ops->gpt_present(e))
				mvm_gpt_free_level(__va(e & PTE_PFN_MASK),
						   level - 1);
		}
	}
	free_page((unsigned long)table);
}

void mvm_gpt_free(struct mvm_gpt *gpt)
{
	if (!gpt->root)
		return;
	mvm_gpt_free_level(gpt->root, MVM_GPT_LEVELS);
	gpt->root = NULL;
}

/* Returns the level-1 table covering @gpa, allocating on the way. */
static u64 *mvm_gpt_walk(struct mvm_gpt *gpt, u64 gpa, bool alloc)
{
	u64 *table = gpt->root;
	int level;

	lockdep_assert_held(&gpt->lock);
	for (level = MVM_GPT_LEVELS; level > 1; level--) {
		u64 *e = &table[mvm_gpt_index(gpa, level)];

		if (!mvm_ops->gpt_present(*e)) {
			phys_addr_t pa;
			u64 *next;

			if (!alloc)
				return NULL;
			next = mvm_gpt_table_alloc(&pa);
			if (!next)
				return NULL;
			WRITE_ONCE(*e, mvm_ops->gpt_dir(pa));
		}
		table = __va(READ_ONCE(*e) & PTE_PFN_MASK);
	}
	return table;
}

static void mvm_gpt_unmap_locked(struct mvm_gpt *gpt, u64 gpa,
				 unsigned long npages)
{
	unsigned long i;
	u64 *pt = NULL;

	for (i = 0; i < npages; i++, gpa += PAGE_SIZE) {
		/* A new level-1 table every 512 pages. */
		if (!pt || !mvm_gpt_index(gpa, 1))
			pt = mvm_gpt_walk(gpt, gpa, false);
		if (pt)
			WRITE_ONCE(pt[mvm_gpt_index(gpa, 1)], 0);
	}
}

int mvm_gpt_map(struct mvm_gpt *gpt, u64 gpa, struct page **pages,
		unsigned long npages, unsigned int prot)
{
	unsigned long i;
	u64 *pt = NULL;

	mutex_lock(&gpt->lock);
	for (i = 0; i < npages; i++) {
		u64 addr = gpa + ((u64)i << PAGE_SHIFT);

		if (!pt || !mvm_gpt_index(addr, 1)) {
			pt = mvm_gpt_walk(gpt, addr, true);
			if (!pt) {
				mvm_gpt_unmap_locked(gpt, gpa, i);
				mutex_unlock(&gpt->lock);
				return -ENOMEM;
			}
		}
		/* Slots never overlap, so the entry must be free. */
		if (IS_ENABLED(CONFIG_MINIVMM_DEBUG))
			WARN_ON_ONCE(mvm_ops->gpt_present(pt[mvm_gpt_index(addr, 1)]));
		WRITE_ONCE(pt[mvm_gpt_index(addr, 1)],
			   mvm_ops->gpt_leaf(page_to_phys(pages[i]), prot));
		if (!(i & 511))
			cond_resched();
	}
	mutex_unlock(&gpt->lock);
	return 0;
}

void mvm_gpt_unmap(struct mvm_gpt *gpt, u64 gpa, unsigned long npages)
{
	mutex_lock(&gpt->lock);
	mvm_gpt_unmap_locked(gpt, gpa, npages);
	mutex_unlock(&gpt->lock);
}
