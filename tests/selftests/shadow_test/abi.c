// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_test (#included by shadow_test.c): the paging-state ABI
 * (KVMMU_GET/SET_PAGING, the VM type's capabilities, invalid states, bad
 * pointers).
 */

/* ------------------------------------------------------------------ */
/* 1. The paging-state ABI */

/*
 * Capabilities of a shadow VM (52 guest-physical bits, usable with paging
 * off), and the shadow-only ioctls on an EPT VM.
 */
TEST(vm_types)
{
	struct kvmmu_vm_stats st;
	struct kvmmu_paging p;
	int vm, ept, vcpu;
	__u64 v = 0;
	char *mem;

	vm = kvmmu_create_vm(KVMMU_VM_X86_SHADOW);
	ASSERT_LE(0, vm) TH_LOG("KVMMU_CREATE_VM(SHADOW): %s", strerror(-vm));
	EXPECT_EQ(3, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_VM_TYPES) & 3);
	EXPECT_EQ(48, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_GPA_BITS));

	/*
	 * Paging off: the direct root maps 48 bits, so a slot just below
	 * 2^48 works and one reaching past it does not.
	 */
	mem = kvmmu_alloc_anon(PG);
	ASSERT_NE(MAP_FAILED, mem);
	kvmmu_poke(mem, 0x1234567);
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(0, kvmmu_set_region(vm, 0, 0, (1ULL << 48) - PG, PG, mem));
	EXPECT_EQ(0, kvmmu_read64(vcpu, (1ULL << 48) - PG, &v));
	EXPECT_EQ(0x1234567, v);
	EXPECT_EQ(-EINVAL, kvmmu_set_region(vm, 1, 0, (1ULL << 48) - PG,
					    2 * PG, mem));
	close(vcpu);
	close(vm);

	ept = kvmmu_create_vm(KVMMU_VM_X86_EPT);
	ASSERT_LE(0, ept);
	EXPECT_EQ(48, ioctl(ept, KVMMU_CHECK_EXTENSION, KVMMU_CAP_GPA_BITS));
	vcpu = kvmmu_create_vcpu(ept, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_GET_PAGING, &p));
	memset(&p, 0, sizeof(p));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_SET_PAGING, &p));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	/* The shadow counters stay 0 on EPT. */
	EXPECT_EQ(0, kvmmu_set_region(ept, 0, 0, 0, PG, mem));
	EXPECT_EQ(0, kvmmu_read64(vcpu, 0, &v));
	EXPECT_EQ(0, kvmmu_vm_stats(ept, &st));
	EXPECT_EQ(0, st.shadow_pages + st.shadow_zapped + st.pt_writes +
		     st.guest_faults + st.rmap_recycled);
	close(vcpu);
	close(ept);
	munmap(mem, PG);
}

/*
 * A new vCPU has paging off: addresses are guest-physical, as on EPT
 * (also for KVMMU_ACCESS_USER accesses), and TRANSLATE reports the frame.
 */
TEST_F(sp, paging_off_default)
{
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1);
	struct kvmmu_paging s;
	int vcpu1;

	ASSERT_EQ(0, get_paging(self->vcpu, &s));
	EXPECT_EQ(0, s.cr0);
	EXPECT_EQ(0, s.cr3);
	EXPECT_EQ(0, s.cr4);
	EXPECT_EQ(0, s.efer);
	EXPECT_EQ(0, s.flags);
	EXPECT_EQ(0, s.reserved[0] | s.reserved[1] | s.reserved[2]);

	EXPECT_TRUE(page_is(_metadata, self->vcpu, p, p, 1));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, self->vcpu, RD | USR, p + 8,
				 val(1, p + 8)));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, self->vcpu, FE, p + 16, val(1, p + 16)));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, self->vcpu, p + 24, 0xabcdef));
	EXPECT_EQ(0xabcdef, kvmmu_peek(gmem(g, p) + 3));
	EXPECT_TRUE(maps_pfn(_metadata, self->vcpu, p, hpfn(g, p),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));
	EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, RD, RAM_SIZE, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, RD, DMAP_GVA, -ENOENT));
	EXPECT_EQ(0, kvmmu_stats(_metadata, self->vm).guest_faults);

	/* MMU_RESET with paging off is harmless. */
	EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_MMU_RESET, NULL));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, self->vcpu, p + 8, val(1, p + 8)));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, self->vcpu, p + 24, 0xabcdef));

	/* A second vCPU starts the same. */
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	ASSERT_EQ(0, get_paging(vcpu1, &s));
	EXPECT_EQ(0, s.cr0 | s.cr3 | s.cr4 | s.efer | s.flags);
	close(vcpu1);
}

static void expect_state(struct __test_metadata *_metadata, int vcpu,
			 __u64 cr0, __u64 cr3, __u64 cr4, __u64 efer)
{
	struct kvmmu_paging s;

	ASSERT_EQ(0, get_paging(vcpu, &s));
	EXPECT_EQ(cr0, s.cr0);
	EXPECT_EQ(cr3, s.cr3);
	EXPECT_EQ(cr4, s.cr4);
	EXPECT_EQ(efer, s.efer);
	EXPECT_EQ(0, s.flags);
	EXPECT_EQ(0, s.reserved[0] | s.reserved[1] | s.reserved[2]);
}

/*
 * SET/GET round trips, EFER.LMA while paging is on, per-vCPU state, and a
 * saved state (LMA included) restored as it is.
 */
TEST_F(sp, paging_roundtrip)
{
	const __u64 pae = KVMMU_X86_CR4_PAE, lme = KVMMU_X86_EFER_LME;
	const __u64 lma = KVMMU_X86_EFER_LMA, nxe = KVMMU_X86_EFER_NXE;
	const __u64 cr4_all = pae | KVMMU_X86_CR4_PSE | KVMMU_X86_CR4_PGE;
	struct guest *g = &self->g;
	__u64 root = self->root, gva = REGION(0);
	__u64 p = data_page(_metadata, g, 1);
	struct kvmmu_paging s;
	int vcpu1;

	map(_metadata, g, root, gva, p, URW);
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);

	ASSERT_EQ(0, paging_on(self->vcpu, root, false));
	expect_state(_metadata, self->vcpu, CR0_ON, root, pae, lme | lma);
	expect_state(_metadata, vcpu1, 0, 0, 0, 0);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva, p, 1));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu1, RD, gva, -ENOENT));

	ASSERT_EQ(0, paging_on(self->vcpu, root, true));
	expect_state(_metadata, self->vcpu, CR0_ON, root, pae, lme | nxe | lma);
	ASSERT_EQ(0, set_paging(self->vcpu, CR0_ON, root, cr4_all, lme | nxe));
	expect_state(_metadata, self->vcpu, CR0_ON, root, cr4_all,
		     lme | nxe | lma);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva, p, 1));

	/* Save and restore, as a VMM migrating the vCPU would. */
	ASSERT_EQ(0, get_paging(self->vcpu, &s));
	ASSERT_EQ(0, paging_off(self->vcpu));
	expect_state(_metadata, self->vcpu, 0, 0, 0, 0);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, p, p, 1));
	EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, &s))
		TH_LOG("SET_PAGING of what GET_PAGING returned (EFER %#llx)",
		       (unsigned long long)s.efer);
	expect_state(_metadata, self->vcpu, CR0_ON, root, cr4_all,
		     lme | nxe | lma);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva, p, 1));

	/* The same state on the other vCPU. */
	ASSERT_EQ(0, paging_on(vcpu1, root, true));
	expect_state(_metadata, vcpu1, CR0_ON, root, pae, lme | nxe | lma);
	EXPECT_TRUE(page_is(_metadata, vcpu1, gva, p, 1));
	ASSERT_EQ(0, paging_off(vcpu1));
	expect_state(_metadata, vcpu1, 0, 0, 0, 0);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva, p, 1));
	close(vcpu1);
}

#define F_OFF(field)	offsetof(struct kvmmu_paging, field)
#define ON_STATE	1	/* mutation of the paging-on state */
#define OFF_STATE	2	/* ... of the all-zero state */

struct bad_paging {
	const char *what;
	size_t off;
	__u64 set;
	__u64 clear;
	int base;
};

static const struct bad_paging bad_paging[] = {
	{ "PG without PE", F_OFF(cr0), 0, KVMMU_X86_CR0_PE, ON_STATE },
	{ "PG without WP", F_OFF(cr0), 0, KVMMU_X86_CR0_WP, ON_STATE },
	{ "PG without PAE", F_OFF(cr4), 0, KVMMU_X86_CR4_PAE, ON_STATE },
	{ "PG without LME", F_OFF(efer), 0, KVMMU_X86_EFER_LME, ON_STATE },
	{ "PG alone", F_OFF(cr0), KVMMU_X86_CR0_PG, 0, OFF_STATE },
	{ "PG|PE|WP without PAE, LME", F_OFF(cr0), CR0_ON, 0, OFF_STATE },
	{ "CR4.LA57", F_OFF(cr4), CR4_LA57, 0, ON_STATE | OFF_STATE },
	{ "CR4.SMEP", F_OFF(cr4), CR4_SMEP, 0, ON_STATE | OFF_STATE },
	{ "CR4.SMAP", F_OFF(cr4), CR4_SMAP, 0, ON_STATE | OFF_STATE },
	{ "CR4.PKE", F_OFF(cr4), CR4_PKE, 0, ON_STATE | OFF_STATE },
	{ "CR3 bit 52", F_OFF(cr3), _BITULL(52), 0, ON_STATE | OFF_STATE },
	{ "CR3 bit 63", F_OFF(cr3), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "CR0 bit 7 (reserved)", F_OFF(cr0), _BITULL(7), 0,
	  ON_STATE | OFF_STATE },
	{ "CR0 bit 32", F_OFF(cr0), _BITULL(32), 0, ON_STATE | OFF_STATE },
	{ "CR0 bit 63", F_OFF(cr0), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "CR4 bit 15 (reserved)", F_OFF(cr4), _BITULL(15), 0,
	  ON_STATE | OFF_STATE },
	{ "CR4 bit 63", F_OFF(cr4), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "EFER bit 2 (reserved)", F_OFF(efer), _BITULL(2), 0,
	  ON_STATE | OFF_STATE },
	{ "EFER bit 9 (reserved)", F_OFF(efer), _BITULL(9), 0,
	  ON_STATE | OFF_STATE },
	{ "EFER bit 63", F_OFF(efer), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "flags bit 0", F_OFF(flags), 1, 0, ON_STATE | OFF_STATE },
	{ "flags bit 63", F_OFF(flags), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "reserved[0]", F_OFF(reserved[0]), 1, 0, ON_STATE | OFF_STATE },
	{ "reserved[1]", F_OFF(reserved[1]), 1, 0, ON_STATE | OFF_STATE },
	{ "reserved[2]", F_OFF(reserved[2]), _BITULL(40), 0,
	  ON_STATE | OFF_STATE },
};

/*
 * Every invalid state fails with EINVAL and changes nothing: not the state
 * GET_PAGING reports, not how addresses are translated.  Tried from paging
 * on (with NXE) and from paging off.
 */
TEST_F(sp, paging_invalid)
{
	const __u64 efer_on = KVMMU_X86_EFER_LME | KVMMU_X86_EFER_NXE;
	struct guest *g = &self->g;
	__u64 root = self->root, gva = REGION(0);
	__u64 p = data_page(_metadata, g, 1);
	struct kvmmu_paging base, s;
	const struct bad_paging *b;
	unsigned int i;
	int r, state;

	map(_metadata, g, root, gva, p, URW);
	for (state = ON_STATE; state <= OFF_STATE; state++) {
		memset(&base, 0, sizeof(base));
		if (state == ON_STATE) {
			base.cr0 = CR0_ON;
			base.cr3 = root;
			base.cr4 = KVMMU_X86_CR4_PAE;
			base.efer = efer_on;
		}
		ASSERT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, &base));
		for (i = 0; i < ARRAY_SIZE(bad_paging); i++) {
			b = &bad_paging[i];
			if (!(b->base & state))
				continue;
			s = base;
			*(__u64 *)((char *)&s + b->off) |= b->set;
			*(__u64 *)((char *)&s + b->off) &= ~b->clear;
			r = kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, &s);
			EXPECT_EQ(-EINVAL, r)
				TH_LOG("paging %s: %s",
				       state == ON_STATE ? "on" : "off",
				       b->what);
			if (state == ON_STATE) {
				expect_state(_metadata, self->vcpu, CR0_ON,
					     root, KVMMU_X86_CR4_PAE,
					     efer_on | KVMMU_X86_EFER_LMA);
				EXPECT_TRUE(page_is(_metadata, self->vcpu,
						    gva, p, 1))
					TH_LOG("after %s", b->what);
			} else {
				expect_state(_metadata, self->vcpu, 0, 0, 0, 0);
				EXPECT_TRUE(page_is(_metadata, self->vcpu,
						    p, p, 1))
					TH_LOG("after %s", b->what);
				EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, RD,
							 gva, -ENOENT))
					TH_LOG("after %s", b->what);
			}
		}
	}
}

/* Bad pointers: EFAULT, and nothing changed. */
TEST_F(sp, paging_efault)
{
	struct kvmmu_paging *ro, *none;
	char *mem;

	mem = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ro = (struct kvmmu_paging *)mem;
	none = (struct kvmmu_paging *)(mem + PG);
	ro->cr0 = CR0_ON;
	ro->cr3 = self->root;
	ro->cr4 = KVMMU_X86_CR4_PAE;
	ro->efer = KVMMU_X86_EFER_LME;
	ASSERT_EQ(0, mprotect(mem, PG, PROT_READ));
	ASSERT_EQ(0, mprotect(mem + PG, PG, PROT_NONE));

	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GET_PAGING, NULL));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GET_PAGING, ro));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GET_PAGING, none));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, NULL));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, none));
	expect_state(_metadata, self->vcpu, 0, 0, 0, 0);
	/* A read-only source is fine for SET. */
	EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, ro));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, none));
	expect_state(_metadata, self->vcpu, CR0_ON, self->root,
		     KVMMU_X86_CR4_PAE,
		     KVMMU_X86_EFER_LME | KVMMU_X86_EFER_LMA);
	munmap(mem, 2 * PG);
}
