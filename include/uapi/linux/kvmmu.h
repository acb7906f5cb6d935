/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmmu user ABI.
 *
 * The ioctls are shaped after KVM's: where KVM has an ioctl for the same
 * job, kvmmu uses the same number (under its own magic), structure layout
 * and semantics, so VMM code ports by renaming.  kvmmu uses its own magic
 * so that a KVM ioctl sent to a kvmmu fd (or the reverse) fails with ENOTTY
 * instead of doing something else.  See Documentation/api.rst.
 */
#ifndef _UAPI_LINUX_KVMMU_H
#define _UAPI_LINUX_KVMMU_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Bumped only on an incompatible change; new features are discovered with
 * extensions instead, as with KVM.
 */
#define KVMMU_API_VERSION	1

/* 0xBA is unused in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define KVMMUIO			0xBA

/*
 * VM types for KVMMU_CREATE_VM: the page-table format of the VM's
 * secondary MMU.  KVMMU_CAP_VM_TYPES reports which this module offers, as
 * a mask of BIT(type).
 */
#define KVMMU_VM_X86_EPT	0	/* x86 EPT (TDP), 4 levels */
#define KVMMU_VM_X86_SHADOW	1	/* x86 shadow paging */
#define KVMMU_VM_PPC_HV		2	/* PowerPC Book3S HV hashed page table */
#define KVMMU_VM_MIPS		3	/* MIPS GPA page table */

/*
 * Flags or-ed into KVMMU_CREATE_VM's argument above the type (which is its
 * low 8 bits); any other bit there fails with EINVAL.
 *
 * KVMMU_VM_PINNED (KVMMU_CAP_PIN_MEMORY): pin guest memory, for comparison
 * with the default.  Every page the fault path maps is pinned (FOLL_PIN |
 * FOLL_LONGTERM) and stays pinned until its gfn is faulted in again to a
 * different page, its memslot is deleted or moved, or the VM is destroyed
 * (its fd and every vCPU fd closed: not when the process's mm goes away,
 * as KVM keeps its pins until then).  The mmu_notifier still keeps the
 * secondary MMU coherent (the guest sees what the process sees), but the
 * host can no longer swap, migrate, compact or KSM-merge those pages.
 * Stats pinned_pages counts them.  VM_IO/VM_PFNMAP memory is never
 * pinned.  Without the flag (the default) no page is pinned.
 */
#define KVMMU_VM_TYPE_MASK	0xff
#define KVMMU_VM_PINNED		_BITUL(8)

/* ioctls for /dev/kvmmu */
#define KVMMU_GET_API_VERSION	_IO(KVMMUIO, 0x00)
#define KVMMU_CREATE_VM		_IO(KVMMUIO, 0x01) /* returns a VM fd */
#define KVMMU_CHECK_EXTENSION	_IO(KVMMUIO, 0x03) /* also on a VM fd */

/*
 * Extensions, as KVM_CAP_* (same numbers where KVM has the capability).
 * KVMMU_CHECK_EXTENSION returns 0 for one it does not know.
 */
#define KVMMU_CAP_USER_MEMORY		3	/* 1 */
#define KVMMU_CAP_NR_VCPUS		9	/* recommended vCPUs */
#define KVMMU_CAP_NR_MEMSLOTS		10	/* user memslots per space */
#define KVMMU_CAP_SYNC_MMU		16	/* 1: follows host mm changes */
#define KVMMU_CAP_MAX_VCPUS		66	/* vCPUs per VM */
#define KVMMU_CAP_READONLY_MEM		81	/* KVMMU_MEM_READONLY works */
#define KVMMU_CAP_MULTI_ADDRESS_SPACE	118	/* address spaces per VM */
#define KVMMU_CAP_MAX_VCPU_ID		128	/* vCPU ids are below this */
#define KVMMU_CAP_VM_TYPES		235	/* mask of BIT(KVMMU_VM_*) */
/* kvmmu's own, numbered apart from KVM's */
#define KVMMU_CAP_CHANGE_PTE		0x1000	/* 1: change_pte is followed */
#define KVMMU_CAP_GPA_BITS		0x1001	/* guest-physical address bits */
#define KVMMU_CAP_PIN_MEMORY		0x1002	/* 1: KVMMU_VM_PINNED works */

/* ioctls for a VM fd */
#define KVMMU_CREATE_VCPU		_IO(KVMMUIO, 0x41) /* returns a vCPU fd */

/*
 * A guest-physical memory region backed by userspace memory, laid out as
 * struct kvm_userspace_memory_region.  @slot: slot id in the low 16 bits,
 * address-space id in the high 16 bits.  A @memory_size of 0 deletes the
 * slot.
 */
struct kvmmu_userspace_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;	/* bytes */
	__u64 userspace_addr;	/* start of the userspace allocated memory */
};

/* kvmmu_userspace_memory_region.flags, as KVM_MEM_* */
#define KVMMU_MEM_LOG_DIRTY_PAGES	_BITUL(0)
#define KVMMU_MEM_READONLY		_BITUL(1)

#define KVMMU_SET_USER_MEMORY_REGION \
	_IOW(KVMMUIO, 0x46, struct kvmmu_userspace_memory_region)

/*
 * VM-wide counters (KVMMU_GET_VM_STATS).  Monotonic, except the page
 * counts, which are the state right now.  New counters are only ever
 * appended into @reserved.
 */
struct kvmmu_vm_stats {
	__u64 faults;		/* fault path runs that installed an spte */
	__u64 fault_retries;	/* faults that lost a race with the host */
	__u64 gup_slow;		/* faults that needed the sleeping lookup */
	__u64 pfnmap_faults;	/* faults on VM_IO/VM_PFNMAP memory */
	__u64 invalidations;	/* invalidate_range_start calls */
	__u64 invalidations_hit;	/* ... that overlapped a memslot */
	__u64 sptes_zapped;	/* leaf sptes removed */
	__u64 tables_freed;	/* page-table pages freed when emptied */
	__u64 tlb_flushes;	/* remote TLB flush requests */
	__u64 young_cleared;	/* accessed bits cleared by aging */
	__u64 young_tested;	/* test_young calls */
	__u64 change_pte;	/* change_pte calls (0 where the kernel lacks it) */
	__u64 memslot_updates;	/* memslot sets published */
	__u64 mapped_pages;	/* leaf sptes present now */
	__u64 table_pages;	/* page-table pages allocated now */
	__u64 released;		/* 1 once the process's mm went away */
	/* x86 shadow paging (0 on other VM types) */
	__u64 shadow_pages;	/* shadow pages allocated now */
	__u64 shadow_zapped;	/* shadow pages zapped */
	__u64 pt_writes;	/* guest writes to its page tables, trapped */
	__u64 guest_faults;	/* accesses that ended in a guest #PF */
	__u64 rmap_recycled;	/* rmap chains zapped for growing too long */
	/* MIPS: faults the young/dirty fast path resolved (no host lookup) */
	__u64 fast_faults;
	/* PowerPC Book3S HV: HPTEs evicted from full groups to make room */
	__u64 hpte_evictions;
	/* KVMMU_VM_PINNED: pages pinned now (0 on other VMs) */
	__u64 pinned_pages;
	/* mmu_lock let go by long zaps whose caller may sleep */
	__u64 lock_yields;
	/* longest stretch a host invalidation or zap held mmu_lock, in ns */
	__u64 max_lock_hold_ns;
	__u64 reserved[6];
};

#define KVMMU_GET_VM_STATS	_IOR(KVMMUIO, 0xe0, struct kvmmu_vm_stats)

/* ioctls for a vCPU fd */

/*
 * Guest memory accesses, performed by the vCPU through the secondary MMU
 * the way hardware does: walk the table, check the permissions, set the
 * accessed (and for writes the dirty) bit, and on a miss or permission
 * fault run the fault path and try again.
 *
 * @gpa + @size must not cross a page; @size is 1, 2, 4 or 8.  @data is
 * the value written (KVMMU_ACCESS_WRITE) or the value read, little endian
 * in the low @size bytes.  A naturally aligned access is single-copy
 * atomic, as on hardware.  @result is 0, or the negative errno of the
 * access:
 *   -ENOENT	no memslot maps @gpa (KVM would exit to userspace: MMIO)
 *   -EACCES	write to a read-only memslot or read-only host memory
 *   -EFAULT	the host has nothing accessible at the slot's address
 *   -EHWPOISON	the host page is poisoned
 *   -EINVAL	a malformed access (size, type, page crossing, flags)
 * @faults counts the fault-path runs this access needed.
 *
 * On a KVMMU_VM_X86_SHADOW VM whose vCPU has paging enabled (see
 * KVMMU_SET_PAGING), @gpa is a guest *virtual* (linear) address, translated
 * through the guest's own page tables in guest memory.  An access those
 * tables do not permit does not happen: @result is then
 * KVMMU_RESULT_PAGE_FAULT and @data the x86 page-fault error code
 * (KVMMU_PF_*), as the guest would find them in its #PF handler (the
 * faulting address being @gpa).  KVMMU_ACCESS_USER in @type makes it a
 * user-mode (CPL 3) access; it has no effect where paging is off.
 */
struct kvmmu_access {
	__u64 gpa;
	__u64 data;
	__u8 type;		/* KVMMU_ACCESS_* */
	__u8 size;
	__u16 faults;		/* out */
	__s32 result;		/* out */
};

#define KVMMU_ACCESS_READ	0
#define KVMMU_ACCESS_WRITE	1
#define KVMMU_ACCESS_FETCH	2	/* an instruction fetch: needs X */
#define KVMMU_ACCESS_USER	0x80	/* or'ed in: a CPL 3 access */

/*
 * kvmmu_access.result: the guest took a page fault (x86 vector 14; on
 * KVMMU_VM_PPC_HV a data/instruction storage interrupt, @data = DSISR)
 */
#define KVMMU_RESULT_PAGE_FAULT	14
/* the page-fault error code, as x86 pushes it */
#define KVMMU_PF_PRESENT	_BITULL(0)	/* protection, not not-present */
#define KVMMU_PF_WRITE		_BITULL(1)
#define KVMMU_PF_USER		_BITULL(2)
#define KVMMU_PF_RSVD		_BITULL(3)	/* a reserved bit was set */
#define KVMMU_PF_FETCH		_BITULL(4)

/*
 * @accesses: user pointer to @nr struct kvmmu_access, updated in place.
 * @nr_done: (out) how many were performed.  The ioctl returns 0 once all
 * are done (each with its own @result), or -EINTR when a signal stopped
 * it early.  @nr above KVMMU_ACCESS_MAX: E2BIG.
 */
struct kvmmu_access_batch {
	__u32 nr;
	__u32 flags;		/* must be 0 */
	__u64 accesses;
	__u32 nr_done;
	__u32 pad;
};

#define KVMMU_ACCESS_MAX	65536
#define KVMMU_GUEST_ACCESS	_IOWR(KVMMUIO, 0xe1, struct kvmmu_access_batch)

/*
 * How @gpa is mapped in the secondary MMU right now; nothing is faulted
 * in (nor are guest page tables walked: on a paging shadow VM @gpa is a
 * guest virtual address looked up in the vCPU's shadow tables).  @pfn is
 * the host frame, reported only to CAP_SYS_ADMIN (0 otherwise), as
 * /proc/pid/pagemap does.
 */
struct kvmmu_translation {
	__u64 gpa;		/* in */
	__u64 pfn;
	__u32 flags;		/* KVMMU_TR_* */
	__u8 level;		/* 1: 4 KiB, 2: 2 MiB, 3: 1 GiB; 0 if absent */
	/* x86: EPT memory type (6: WB); PPC: WIMG (2); MIPS: CCA (3) */
	__u8 memtype;
	__u16 pad;
};

#define KVMMU_TR_PRESENT	_BITUL(0)
#define KVMMU_TR_READABLE	_BITUL(1)
#define KVMMU_TR_WRITABLE	_BITUL(2)
#define KVMMU_TR_EXECUTABLE	_BITUL(3)
#define KVMMU_TR_ACCESSED	_BITUL(4)
#define KVMMU_TR_DIRTY		_BITUL(5)

#define KVMMU_TRANSLATE		_IOWR(KVMMUIO, 0xe2, struct kvmmu_translation)

/*
 * An in-kernel guest workload: @passes passes over [@gpa, @gpa + @size),
 * one 8-byte access every @stride bytes, without returning to userspace.
 * Sequential unless KVMMU_RUN_RANDOM, which visits as many offsets per pass
 * chosen by a PRNG seeded with @seed.  The value written at gpa g is
 * kvmmu_run_pattern(g, @seed); KVMMU_RUN_VERIFY compares what reads return
 * with it.  Out: the counters; the run stops at the first access error
 * (@error, @error_gpa) or a signal (-EINTR, counters valid).
 */
struct kvmmu_run {
	__u64 gpa;
	__u64 size;
	__u64 stride;		/* multiple of 8, 0 means 4096 */
	__u64 seed;
	__u32 passes;
	__u32 flags;		/* KVMMU_RUN_* */
	/* out */
	__u64 accesses;
	__u64 faults;
	__u64 retries;
	__u64 mismatches;
	__u64 first_mismatch_gpa;
	__u64 error_gpa;
	__s32 error;
	__u32 pad;
	__u64 ns;		/* time spent in the workload */
};

#define KVMMU_RUN_WRITE		_BITUL(0)	/* write the pattern */
#define KVMMU_RUN_READ		_BITUL(1)	/* read */
#define KVMMU_RUN_VERIFY	_BITUL(2)	/* reads must see the pattern */
#define KVMMU_RUN_RANDOM	_BITUL(3)	/* seeded-random offsets */

#define KVMMU_RUN_WORKLOAD	_IOWR(KVMMUIO, 0xe3, struct kvmmu_run)

/* The value the workload writes at @gpa. */
static inline __u64 kvmmu_run_pattern(__u64 gpa, __u64 seed)
{
	return (gpa * 0x9e3779b97f4a7c15ULL) ^ seed;
}

/*
 * x86 guest paging state of a vCPU of a KVMMU_VM_X86_SHADOW VM (other VM
 * types: ENOTTY).  A vCPU starts with everything 0: paging off, guest
 * addresses are physical.  Paging on (CR0.PG) needs CR0.PE, CR0.WP,
 * CR4.PAE and EFER.LME: 4-level 64-bit paging, 4 KiB, 2 MiB and 1 GiB
 * pages; EFER.NXE enables the XD bit.  EFER.LMA is output only (set while
 * long mode paging is on).  Any other combination, a reserved or
 * unsupported bit (CR4.LA57, SMEP, SMAP, PKE; bits of CR3 above bit 51),
 * or a non-zero @flags/@reserved fails with EINVAL and changes nothing.
 *
 * Setting it is a MOV to CR0/CR3/CR4/EFER: the vCPU switches to the shadow
 * tables for the new CR3 and mode (built on demand, kept while the guest
 * tables they shadow are unchanged, so switching back is cheap).
 */
struct kvmmu_paging {
	__u64 cr0;
	__u64 cr3;
	__u64 cr4;
	__u64 efer;
	__u64 flags;		/* must be 0 */
	__u64 reserved[3];	/* must be 0 */
};

#define KVMMU_X86_CR0_PE	_BITULL(0)
#define KVMMU_X86_CR0_WP	_BITULL(16)
#define KVMMU_X86_CR0_PG	_BITULL(31)
#define KVMMU_X86_CR4_PSE	_BITULL(4)
#define KVMMU_X86_CR4_PAE	_BITULL(5)
#define KVMMU_X86_CR4_PGE	_BITULL(7)
#define KVMMU_X86_EFER_LME	_BITULL(8)
#define KVMMU_X86_EFER_LMA	_BITULL(10)
#define KVMMU_X86_EFER_NXE	_BITULL(11)

#define KVMMU_GET_PAGING	_IOR(KVMMUIO, 0xe4, struct kvmmu_paging)
#define KVMMU_SET_PAGING	_IOW(KVMMUIO, 0xe5, struct kvmmu_paging)
/*
 * The guest's page tables were changed behind its back (by the VMM writing
 * guest memory through its own mapping): drop every shadow page of the VM,
 * so the next accesses of every vCPU walk the tables afresh.  Guest writes
 * need none of this: they are trapped.  ENOTTY on other VM types.
 */
#define KVMMU_MMU_RESET		_IO(KVMMUIO, 0xe6)

/*
 * PowerPC Book3S HV (KVMMU_VM_PPC_HV); other VM types: ENOTTY.
 *
 * The VM's hashed page table (HPT) is 2^order bytes of 16-byte HPTEs in
 * groups (PTEGs) of 8.  KVMMU_PPC_ALLOCATE_HTAB (VM ioctl, as KVM's):
 * in, the order (0: the default, KVMMU_PPC_HPT_ORDER_DEFAULT); out, the
 * order in effect.  The table is replaced by an empty one: every HPTE,
 * the guest's included, is gone.  An order outside [MIN, MAX]: EINVAL,
 * nothing changes.  EBUSY while the VM has a vCPU (created and not yet
 * closed): allocate the table before creating vCPUs.
 */
#define KVMMU_PPC_HPT_ORDER_MIN		18
#define KVMMU_PPC_HPT_ORDER_DEFAULT	18
#define KVMMU_PPC_HPT_ORDER_MAX		24
#define KVMMU_PPC_ALLOCATE_HTAB	_IOWR(KVMMUIO, 0xa7, __u32)

/*
 * The vCPU's MSR: only DR (data relocation), IR (instruction relocation)
 * and PR (problem state) may be set; anything else is EINVAL.  A vCPU
 * starts in real mode (MSR 0): guest accesses use guest real addresses,
 * which the hypervisor maps through the VRMA (HPTEs it enters itself,
 * 1 TiB segments: segment n of guest real space, real address bits 47:40,
 * has VSID KVMMU_PPC_VRMA_VSID + n).  With DR (IR for fetches)
 * set, an address is an effective address; kvmmu has no SLB: 1 TiB
 * segment n (EA bits 63:40) has VSID n.  The guest's own HPTEs are made
 * with the hypervisor calls below.
 */
#define KVMMU_PPC_MSR_DR	_BITULL(4)
#define KVMMU_PPC_MSR_IR	_BITULL(5)
#define KVMMU_PPC_MSR_PR	_BITULL(14)
#define KVMMU_PPC_VRMA_VSID	0x1ffffffULL

#define KVMMU_PPC_GET_MSR	_IOR(KVMMUIO, 0xe9, __u64)
#define KVMMU_PPC_SET_MSR	_IOW(KVMMUIO, 0xea, __u64)

/*
 * A PAPR hypervisor call made by the vCPU (KVMMU_PPC_HCALL, vCPU ioctl):
 * @nr and @args in, @ret (H_* status) and @rets out, as in the guest's
 * r3 and r4-r7.  HPTE words are in the Power ISA's format (Documentation/
 * api.rst); the real page number in an HPTE the guest enters or reads is
 * a guest real page number; the hypervisor keeps the host's.
 *   H_ENTER(flags, pte_index, pteh, ptel): rets[0] = the index used
 *   H_REMOVE(flags, pte_index, avpn): rets[0..1] = the old HPTE
 *   H_READ(flags, pte_index): rets[0..1] = the HPTE
 *   H_CLEAR_REF / H_CLEAR_MOD(flags, pte_index): rets[0] = old ptel;
 *	clears R / C.
 * An unknown @nr: @ret H_FUNCTION.  The ioctl itself fails only for a bad
 * pointer (EFAULT) or non-zero @reserved (EINVAL).
 */
struct kvmmu_ppc_hcall {
	__u64 nr;
	__u64 args[4];
	__s64 ret;
	__u64 rets[2];
	__u64 reserved[2];
};

#define KVMMU_PPC_H_REMOVE	0x04
#define KVMMU_PPC_H_ENTER	0x08
#define KVMMU_PPC_H_READ	0x18
#define KVMMU_PPC_H_CLEAR_MOD	0x30
#define KVMMU_PPC_H_CLEAR_REF	0x2c

#define KVMMU_PPC_H_SUCCESS	0
#define KVMMU_PPC_H_FUNCTION	(-2)
#define KVMMU_PPC_H_PARAMETER	(-4)
#define KVMMU_PPC_H_NOT_FOUND	(-5)
#define KVMMU_PPC_H_PTEG_FULL	(-6)

#define KVMMU_PPC_HCALL		_IOWR(KVMMUIO, 0xe8, struct kvmmu_ppc_hcall)

#endif /* _UAPI_LINUX_KVMMU_H */
