// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: slots of userspace memory, pinned and mapped into the
 * guest-physical table on the guest's first touch of each 2 MiB chunk,
 * and copies to and from guest-physical addresses.
 *
 * Why on first touch: pinning a slot up front faults in (allocates and
 * zeroes) all of it before the guest runs, while a booting Linux touches
 * well under half of its RAM.  Pinned pages stay pinned until the slot
 * goes: the hardware never walks to a page the host could free.
 *
 * Locking: changes hold vm->lock for the whole operation, gpt.lock inside
 * mvm_gpt_map/unmap, and vm->slots_lock (write) only to publish or
 * unpublish a slot pointer or a chunk's pages.  Readers
 * (mvm_read/write_guest_phys, possibly with preemption off inside
 * an exit) hold slots_lock for reading across the copy, so a slot's
 * pages stay pinned while they use them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>

#include "mvm.h"

/* The 4-level table maps 48 bits; the host CPU may support fewer. */
static u64 mvm_max_gpa(void)
{
	unsigned int bits = min_t(unsigned int, boot_cpu_data.x86_phys_bits, 48);

	return 1ULL << bits;
}

/*
 * The chunk of page @idx: the pages of the slot in the same aligned 2 MiB
 * of guest-physical space, so that a chunk backed by a transparent huge
 * page can be mapped with one 2 MiB leaf.  Returns its first page.
 */
static unsigned long __mvm_exit_path mvm_slot_chunk(const struct mvm_memslot *slot,
						    unsigned long idx, unsigned long *n)
{
	u64 gpa = slot->gpa + ((u64)idx << PAGE_SHIFT);
	u64 start = max(ALIGN_DOWN(gpa, PMD_SIZE), slot->gpa);
	u64 end = min(ALIGN_DOWN(gpa, PMD_SIZE) + PMD_SIZE,
		      slot->gpa + slot->size);

	*n = (end - start) >> PAGE_SHIFT;
	return (start - slot->gpa) >> PAGE_SHIFT;
}

static void mvm_slot_unpin_free(struct mvm_memslot *slot)
{
	unsigned long idx, first, n;

	for (idx = 0; idx < slot->npages; idx = first + n) {
		first = mvm_slot_chunk(slot, idx, &n);
		/* The guest may have written any page behind our back. */
		if (slot->pages[first])
			unpin_user_pages_dirty_lock(slot->pages + first, n,
						    !(slot->flags & MINIVMM_MEM_READONLY));
	}
	kvfree(slot->pages);
	kfree(slot);
}

/*
 * A read-only slot still pins with FOLL_WRITE where the mapping allows it:
 * a read-only pin of a private page nobody has written yet pins the shared
 * zero page (or the page cache page), and the VMM's later writes (loading a
 * ROM image, say) would go to a fresh copy the guest never sees.  Breaking
 * COW now makes the pinned page the one userspace writes.  Only a mapping
 * that cannot be written at all is pinned read-only.
 */
static long mvm_slot_pin_chunk(unsigned long uaddr, unsigned long npages,
			       unsigned int gup, struct page **pages)
{
	long r;

	if (gup & FOLL_WRITE)
		return pin_user_pages_fast(uaddr, npages, gup, pages);
	r = pin_user_pages_fast(uaddr, npages, gup | FOLL_WRITE, pages);
	if (r == -EFAULT)
		r = pin_user_pages_fast(uaddr, npages, gup, pages);
	return r;
}

/* Pins all @npages pages at @uaddr into @pages, or none of them. */
static int mvm_slot_pin(const struct mvm_memslot *slot, unsigned long uaddr,
			unsigned long npages, struct page **pages)
{
	unsigned int gup = FOLL_LONGTERM;
	unsigned long done = 0;
	long r;

	if (!(slot->flags & MINIVMM_MEM_READONLY))
		gup |= FOLL_WRITE;
	while (done < npages) {
		r = mvm_slot_pin_chunk(uaddr + (done << PAGE_SHIFT),
				       npages - done, gup, pages + done);
		if (r <= 0) {
			unpin_user_pages(pages, done);
			return r ? r : -EFAULT;
		}
		/* A partial pin: go on from where it stopped. */
		done += r;
	}
	return 0;
}

/*
 * Nothing is pinned when a slot is set, but the range must be memory the
 * slot can pin later: mapped all through, writable unless the slot is
 * read-only, and not IO or PFN mappings (which cannot be pinned), so that
 * a bad region still fails here with -EFAULT rather than at the guest's
 * first touch.
 */
static int mvm_slot_range_check(const struct minivmm_memory_region *mr)
{
	struct mm_struct *mm = current->mm;
	unsigned long pos = mr->userspace_addr;
	unsigned long end = pos + mr->memory_size;
	struct vm_area_struct *vma;
	int r = 0;

	mmap_read_lock(mm);
	while (pos < end) {
		vma = vma_lookup(mm, pos);
		if (!vma || (vma->vm_flags & (VM_IO | VM_PFNMAP)) ||
		    !(vma->vm_flags & VM_READ) ||
		    (!(mr->flags & MINIVMM_MEM_READONLY) &&
		     !(vma->vm_flags & VM_WRITE))) {
			r = -EFAULT;
			break;
		}
		pos = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return r;
}

static struct mvm_memslot *
mvm_slot_alloc(const struct minivmm_memory_region *mr)
{
	struct mvm_memslot *slot;
	int r;

	r = mvm_slot_range_check(mr);
	if (r)
		return ERR_PTR(r);
	slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	if (!slot)
		return ERR_PTR(-ENOMEM);
	slot->gpa = mr->guest_phys_addr;
	slot->size = mr->memory_size;
	slot->uaddr = mr->userspace_addr;
	slot->flags = mr->flags;
	slot->id = mr->slot;
	slot->npages = mr->memory_size >> PAGE_SHIFT;

	/* __GFP_NOWARN: the size comes from userspace. */
	slot->pages = kvcalloc(slot->npages, sizeof(*slot->pages),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!slot->pages) {
		kfree(slot);
		return ERR_PTR(-ENOMEM);
	}
	return slot;
}

static unsigned int mvm_slot_prot(const struct mvm_memslot *slot)
{
	unsigned int prot = MVM_PROT_READ | MVM_PROT_EXEC;

	if (!(slot->flags & MINIVMM_MEM_READONLY))
		prot |= MVM_PROT_WRITE;
	return prot;
}

/*
 * Makes sure no vCPU uses a translation from the removed entries: each
 * vCPU flushes before its next entry, and one in guest mode is made to
 * leave it (the kick waits for the IPI, which is taken only after the
 * VM exit).
 */
static void mvm_vm_flush_vcpus(struct mvm_vm *vm)
{
	unsigned int i;

	lockdep_assert_held(&vm->lock);
	for (i = 0; i < MVM_MAX_VCPUS; i++) {
		struct mvm_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu)
			continue;
		set_bit(MVM_REQ_TLB_FLUSH, &vcpu->requests);
		/* Pairs with smp_store_mb(mode) in mvm_vcpu_enter_prepare(). */
		smp_mb__after_atomic();
		mvm_vcpu_kick(vcpu);
	}
}

/*
 * Unpublishes, unmaps, flushes, and only then unpins slot @id and frees
 * the guest-physical tables that mapped nothing but it.
 */
static void mvm_slot_delete(struct mvm_vm *vm, u32 id)
{
	struct mvm_memslot *slot = vm->slots[id];
	LIST_HEAD(freed);

	lockdep_assert_held(&vm->lock);
	if (!slot)
		return;

	write_lock(&vm->slots_lock);
	vm->slots[id] = NULL;
	while (vm->slots_end && !vm->slots[vm->slots_end - 1])
		vm->slots_end--;
	write_unlock(&vm->slots_lock);

	mvm_gpt_unmap(&vm->gpt, slot->gpa, slot->npages, &freed);
	mvm_vm_flush_vcpus(vm);
	mvm_gpt_free_tables(&freed);
	mvm_slot_unpin_free(slot);
}

static bool mvm_slot_overlaps(struct mvm_vm *vm, u32 id, u64 gpa, u64 size)
{
	unsigned int i;

	for (i = 0; i < MVM_MAX_SLOTS; i++) {
		struct mvm_memslot *s = vm->slots[i];

		if (!s || i == id)
			continue;
		if (gpa < s->gpa + s->size && s->gpa < gpa + size)
			return true;
	}
	return false;
}

static int mvm_region_check(const struct minivmm_memory_region *mr)
{
	u64 gpa = mr->guest_phys_addr, size = mr->memory_size;
	u64 uaddr = mr->userspace_addr;

	if (mr->slot >= MVM_MAX_SLOTS)
		return -EINVAL;
	if (mr->flags & ~MINIVMM_MEM_READONLY)
		return -EINVAL;
	if (!PAGE_ALIGNED(gpa) || !PAGE_ALIGNED(size) || !PAGE_ALIGNED(uaddr))
		return -EINVAL;
	if (!size)
		return 0;
	if (gpa + size < gpa || uaddr + size < uaddr)
		return -EINVAL;
	if (gpa + size > mvm_max_gpa())
		return -EINVAL;
	if (!access_ok((void __user *)(unsigned long)uaddr, size))
		return -EFAULT;
	/* The page array is allocated in one piece: keep it sane. */
	if ((size >> PAGE_SHIFT) > INT_MAX / sizeof(struct page *))
		return -ENOMEM;
	return 0;
}

long mvm_vm_set_memory_region(struct mvm_vm *vm,
			      const struct minivmm_memory_region *mr)
{
	struct mvm_memslot *slot;
	int r;

	r = mvm_region_check(mr);
	if (r)
		return r;

	if (!mr->memory_size) {
		mutex_lock(&vm->lock);
		mvm_slot_delete(vm, mr->slot);
		mutex_unlock(&vm->lock);
		return 0;
	}

	/* Check before touching the old slot so a failure leaves it alone. */
	slot = mvm_slot_alloc(mr);
	if (IS_ERR(slot))
		return PTR_ERR(slot);

	mutex_lock(&vm->lock);
	if (mvm_slot_overlaps(vm, mr->slot, slot->gpa, slot->size)) {
		mutex_unlock(&vm->lock);
		mvm_slot_unpin_free(slot);
		return -EEXIST;
	}

	/* Changing a slot is deleting it and creating it again. */
	mvm_slot_delete(vm, mr->slot);

	write_lock(&vm->slots_lock);
	vm->slots[mr->slot] = slot;
	vm->slots_end = max(vm->slots_end, mr->slot + 1);
	write_unlock(&vm->slots_lock);
	mutex_unlock(&vm->lock);
	return 0;
}

/* VM destruction: no vCPU exists any more, no flush is needed. */
void mvm_vm_free_slots(struct mvm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < MVM_MAX_SLOTS; i++) {
		if (vm->slots[i]) {
			mvm_slot_unpin_free(vm->slots[i]);
			vm->slots[i] = NULL;
		}
	}
}

static struct mvm_memslot *__mvm_exit_path mvm_slot_find(struct mvm_vm *vm, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < vm->slots_end; i++) {
		struct mvm_memslot *s = vm->slots[i];

		if (s && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

bool __mvm_exit_path mvm_gpa_is_ram(struct mvm_vm *vm, u64 gpa)
{
	bool ram;

	read_lock(&vm->slots_lock);
	ram = mvm_slot_find(vm, gpa);
	read_unlock(&vm->slots_lock);
	return ram;
}

int mvm_slot_fault_in(struct mvm_vm *vm, u64 gpa)
{
	unsigned long idx, first, n;
	struct mvm_memslot *slot;
	struct page **pages;
	LIST_HEAD(freed);
	u64 start;
	int r = 0;

	mutex_lock(&vm->lock);
	/* Gone meanwhile: the guest's next access is an MMIO exit. */
	slot = mvm_slot_find(vm, gpa);
	if (!slot)
		goto unlock;
	idx = (gpa - slot->gpa) >> PAGE_SHIFT;
	first = mvm_slot_chunk(slot, idx, &n);
	/* Another vCPU was first. */
	if (slot->pages[first])
		goto unlock;

	/* Readers must never see half a chunk: pin it aside first. */
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages) {
		r = -ENOMEM;
		goto unlock;
	}
	r = mvm_slot_pin(slot, slot->uaddr + (first << PAGE_SHIFT), n, pages);
	if (r)
		goto free_pages;
	start = slot->gpa + ((u64)first << PAGE_SHIFT);
	r = mvm_gpt_map(&vm->gpt, start, pages, n, mvm_slot_prot(slot),
			&freed);
	if (r) {
		/* Entries were live for a moment: flush before unpinning. */
		mvm_vm_flush_vcpus(vm);
		mvm_gpt_free_tables(&freed);
		unpin_user_pages(pages, n);
		goto free_pages;
	}
	write_lock(&vm->slots_lock);
	memcpy(slot->pages + first, pages, n * sizeof(*pages));
	write_unlock(&vm->slots_lock);
free_pages:
	kvfree(pages);
unlock:
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * A page of @s not pinned yet, which the guest has therefore never
 * touched: its contents are whatever the VMM's mapping holds.  Reads copy
 * from there without sleeping; -EAGAIN where that would need a fault (the
 * page never touched, or swapped out) and for writes, which must go to
 * the pinned page the guest will use.
 */
static int __mvm_exit_path mvm_guest_phys_unpinned(struct mvm_vm *vm, struct mvm_memslot *s,
						   u64 off, void *buf, unsigned int n, bool write)
{
	void __user *uaddr = (void __user *)(unsigned long)(s->uaddr + off);

	/* Only the VMM's own threads have its mapping. */
	if (write || current->mm != vm->mm)
		return -EAGAIN;
	return copy_from_user_nofault(buf, uaddr, n) ? -EAGAIN : 0;
}

/*
 * Copies @len bytes between @buf and guest-physical @gpa, page by page,
 * crossing page and slot boundaries; -EFAULT if any byte is not backed
 * (or, for a write, backed by a read-only slot), -EAGAIN if a page is not
 * pinned yet and cannot be reached (see above).  Nothing is copied when
 * the range is not wholly backed and pinned; a read of an unpinned page
 * that fails leaves the bytes before it copied.
 */
static int __mvm_exit_path mvm_guest_phys_copy(struct mvm_vm *vm, u64 gpa, void *buf,
					       unsigned int len, bool write)
{
	u64 pos;
	int r = 0;

	if (gpa + len < gpa)
		return -EFAULT;

	read_lock(&vm->slots_lock);
	/*
	 * A write checks the whole range first so that a fault changes
	 * nothing; a read that fails half-way leaves only @buf changed.
	 */
	for (pos = gpa; write && pos < gpa + len; ) {
		struct mvm_memslot *s = mvm_slot_find(vm, pos);

		if (!s || (s->flags & MINIVMM_MEM_READONLY)) {
			r = -EFAULT;
			goto unlock;
		}
		if (!s->pages[(pos - s->gpa) >> PAGE_SHIFT]) {
			r = -EAGAIN;
			goto unlock;
		}
		pos = min(s->gpa + s->size, ALIGN_DOWN(pos, PAGE_SIZE) + PAGE_SIZE);
	}

	for (pos = gpa; pos < gpa + len; ) {
		struct mvm_memslot *s = mvm_slot_find(vm, pos);
		unsigned int in_page, n;
		struct page *page;
		void *va;
		u64 off;

		if (!s) {
			r = -EFAULT;
			goto unlock;
		}
		off = pos - s->gpa;
		in_page = offset_in_page(off);
		n = min_t(u64, PAGE_SIZE - in_page, gpa + len - pos);
		page = s->pages[off >> PAGE_SHIFT];
		if (!page) {
			r = mvm_guest_phys_unpinned(vm, s, off, buf, n, write);
			if (r)
				goto unlock;
		} else {
			va = kmap_local_page(page);
			/* Pages are marked dirty when they are unpinned. */
			if (write)
				memcpy(va + in_page, buf, n);
			else
				memcpy(buf, va + in_page, n);
			kunmap_local(va);
		}
		buf += n;
		pos += n;
	}
unlock:
	read_unlock(&vm->slots_lock);
	return r;
}

int __mvm_exit_path mvm_read_guest_phys(struct mvm_vm *vm, u64 gpa, void *buf,
					unsigned int len)
{
	return mvm_guest_phys_copy(vm, gpa, buf, len, false);
}

int __mvm_exit_path mvm_write_guest_phys(struct mvm_vm *vm, u64 gpa, const void *buf,
					 unsigned int len)
{
	return mvm_guest_phys_copy(vm, gpa, (void *)buf, len, true);
}
