// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-physical page table (EPT or NPT): 4 levels of 512
 * entries, 4 KiB leaves, and 2 MiB leaves at level 2 where a slot backs
 * a whole aligned 2 MiB of guest-physical space with physically
 * contiguous pages (a transparent huge page, typically).  The backend
 * supplies the entry bits; this file only knows the shape (bit 7 makes a
 * level-2 entry a leaf in EPT and NPT alike).  A 2 MiB leaf is only put
 * where no table is, and a table never replaces a leaf (slots do not
 * overlap, and unmapping clears the leaf).
 *
 * Unmapping a range also unhooks every intermediate table in it that maps
 * nothing any more, so that moving slots around does not leave tables
 * behind until the VM dies.  The unhooked pages go to the caller's list,
 * not to the allocator: a vCPU in guest mode may still be walking them,
 * and its paging-structure caches may still point at them, until it has
 * left guest mode and flushed (memslot.c frees them after
 * mvm_vm_flush_vcpus()).  Software walks only under gpt->lock.
 */
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/io.h>

#include "mvm.h"

#define MVM_GPT_LEVELS		4
#define MVM_GPT_ENTRIES		512
#define MVM_GPT_HUGE		BIT_ULL(7)	/* PS: level-2 leaf */
#define MVM_GPT_HUGE_PAGES	512		/* 4 KiB pages in 2 MiB */

/*
 * 2 MiB leaves on AMD-V only for now: NPT always has them, while EPT
 * needs a capability check (IA32_VMX_EPT_VPID_CAP bit 16) in the VT-x
 * backend first.
 */
static bool mvm_gpt_huge_ok(void)
{
	return mvm_ops->id == MINIVMM_BACKEND_SVM;
}

static bool mvm_gpt_is_huge(u64 e, int level)
{
	return level == 2 && mvm_ops->gpt_present(e) && (e & MVM_GPT_HUGE);
}

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

			if (mvm_ops->gpt_present(e) &&
			    !mvm_gpt_is_huge(e, level))
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

/*
 * Returns the table of level @to covering @gpa, allocating on the way;
 * NULL on failure or where a 2 MiB leaf covers @gpa.
 */
static u64 *mvm_gpt_walk(struct mvm_gpt *gpt, u64 gpa, bool alloc, int to)
{
	u64 *table = gpt->root;
	int level;

	lockdep_assert_held(&gpt->lock);
	for (level = MVM_GPT_LEVELS; level > to; level--) {
		u64 *e = &table[mvm_gpt_index(gpa, level)];

		if (mvm_gpt_is_huge(*e, level))
			return NULL;
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

/* The level-2 entry of @gpa if it is a 2 MiB leaf, else NULL. */
static u64 *mvm_gpt_huge_entry(struct mvm_gpt *gpt, u64 gpa)
{
	u64 *pd = mvm_gpt_walk(gpt, gpa, false, 2);
	u64 *e;

	if (!pd)
		return NULL;
	e = &pd[mvm_gpt_index(gpa, 2)];
	return mvm_gpt_is_huge(*e, 2) ? e : NULL;
}

static void mvm_gpt_unmap_locked(struct mvm_gpt *gpt, u64 gpa,
				 unsigned long npages)
{
	unsigned long i = 0;
	u64 *pt = NULL, *huge;

	while (i < npages) {
		/* A new level-1 table (or a 2 MiB leaf) every 512 pages. */
		if (!pt || !mvm_gpt_index(gpa, 1)) {
			huge = mvm_gpt_huge_entry(gpt, gpa);
			/* Mapped only where the slot covers all of it. */
			if (huge && !mvm_gpt_index(gpa, 1) &&
			    npages - i >= MVM_GPT_HUGE_PAGES) {
				WRITE_ONCE(*huge, 0);
				pt = NULL;
				i += MVM_GPT_HUGE_PAGES;
				gpa += (u64)MVM_GPT_HUGE_PAGES << PAGE_SHIFT;
				continue;
			}
			pt = mvm_gpt_walk(gpt, gpa, false, 1);
		}
		if (pt)
			WRITE_ONCE(pt[mvm_gpt_index(gpa, 1)], 0);
		i++;
		gpa += PAGE_SIZE;
	}
}

static bool mvm_gpt_table_empty(const u64 *table)
{
	unsigned int i;

	for (i = 0; i < MVM_GPT_ENTRIES; i++) {
		if (mvm_ops->gpt_present(READ_ONCE(table[i])))
			return false;
	}
	return true;
}

/* Bytes of guest-physical space one entry of a level-@level table maps. */
static u64 mvm_gpt_entry_span(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * (level - 1));
}

/*
 * Unhooks the tables below @table (of level @level) reached from
 * [@start, @end) that map nothing any more, deepest first, and puts them
 * on @freed.  Returns whether @table itself is empty now.
 */
static bool mvm_gpt_prune(u64 *table, int level, u64 start, u64 end,
			  struct list_head *freed)
{
	u64 span = mvm_gpt_entry_span(level);
	u64 addr, next;

	for (addr = start; addr < end; addr = next) {
		u64 *e = &table[mvm_gpt_index(addr, level)];
		u64 *child;

		next = min(ALIGN_DOWN(addr, span) + span, end);
		if (!mvm_ops->gpt_present(*e) || mvm_gpt_is_huge(*e, level))
			continue;
		child = __va(*e & PTE_PFN_MASK);
		if (level - 1 > 1 &&
		    !mvm_gpt_prune(child, level - 1, addr, next, freed))
			continue;
		if (level - 1 == 1 && !mvm_gpt_table_empty(child))
			continue;
		WRITE_ONCE(*e, 0);
		list_add(&virt_to_page(child)->lru, freed);
		cond_resched();
	}
	return mvm_gpt_table_empty(table);
}

/* Unmaps and unhooks the tables left empty; see mvm_gpt_free_tables(). */
static void mvm_gpt_unmap_prune(struct mvm_gpt *gpt, u64 gpa,
				unsigned long npages, struct list_head *freed)
{
	mvm_gpt_unmap_locked(gpt, gpa, npages);
	mvm_gpt_prune(gpt->root, MVM_GPT_LEVELS, gpa,
		      gpa + ((u64)npages << PAGE_SHIFT), freed);
}

/*
 * Gives back the tables mvm_gpt_map() or mvm_gpt_unmap() unhooked, once
 * no vCPU can reach them any more (after mvm_vm_flush_vcpus()).
 */
void mvm_gpt_free_tables(struct list_head *freed)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, freed, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/*
 * Maps pages[0..511] at @gpa with one 2 MiB leaf if @gpa is 2 MiB
 * aligned, the pages are one aligned physically contiguous run, and no
 * level-1 table is there yet.  Returns whether it did.
 */
static bool mvm_gpt_map_huge(struct mvm_gpt *gpt, u64 gpa,
			     struct page **pages, unsigned int prot)
{
	unsigned long pfn = page_to_pfn(pages[0]);
	u64 *pd, *e;
	unsigned int i;

	if (!mvm_gpt_huge_ok() || !IS_ALIGNED(gpa, PMD_SIZE) ||
	    !IS_ALIGNED(pfn, MVM_GPT_HUGE_PAGES))
		return false;
	for (i = 1; i < MVM_GPT_HUGE_PAGES; i++) {
		if (page_to_pfn(pages[i]) != pfn + i)
			return false;
	}
	pd = mvm_gpt_walk(gpt, gpa, true, 2);
	if (!pd)
		return false;
	e = &pd[mvm_gpt_index(gpa, 2)];
	if (mvm_ops->gpt_present(*e))
		return false;
	WRITE_ONCE(*e, mvm_ops->gpt_leaf(PFN_PHYS(pfn), prot) | MVM_GPT_HUGE);
	return true;
}

/*
 * On failure nothing stays mapped, but entries were live for a moment and
 * tables may have been unhooked onto @freed: the caller flushes the vCPUs
 * before it unpins @pages or calls mvm_gpt_free_tables().
 */
int mvm_gpt_map(struct mvm_gpt *gpt, u64 gpa, struct page **pages,
		unsigned long npages, unsigned int prot,
		struct list_head *freed)
{
	unsigned long i;
	u64 *pt = NULL;

	mutex_lock(&gpt->lock);
	for (i = 0; i < npages; i++) {
		u64 addr = gpa + ((u64)i << PAGE_SHIFT);

		if (!pt || !mvm_gpt_index(addr, 1)) {
			if (npages - i >= MVM_GPT_HUGE_PAGES &&
			    mvm_gpt_map_huge(gpt, addr, pages + i, prot)) {
				pt = NULL;
				i += MVM_GPT_HUGE_PAGES - 1;
				cond_resched();
				continue;
			}
			pt = mvm_gpt_walk(gpt, addr, true, 1);
			if (!pt) {
				/* Page @i too: its upper tables may be new. */
				mvm_gpt_unmap_prune(gpt, gpa, i + 1, freed);
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

/*
 * Unmaps @npages pages at @gpa and unhooks the tables left empty onto
 * @freed, for mvm_gpt_free_tables() once the vCPUs are flushed.
 */
void mvm_gpt_unmap(struct mvm_gpt *gpt, u64 gpa, unsigned long npages,
		   struct list_head *freed)
{
	mutex_lock(&gpt->lock);
	mvm_gpt_unmap_prune(gpt, gpa, npages, freed);
	mutex_unlock(&gpt->lock);
}
