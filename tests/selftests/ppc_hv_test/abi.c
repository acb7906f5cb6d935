// SPDX-License-Identifier: GPL-2.0
/*
 * ppc_hv_test (#included by ppc_hv_test.c): the ABI: the VM type's
 * capabilities, KVMMU_PPC_ALLOCATE_HTAB and the HPT order,
 * KVMMU_PPC_GET/SET_MSR, and the hcalls (H_ENTER, H_REMOVE, H_READ,
 * H_CLEAR_REF, H_CLEAR_MOD) with bad inputs that change nothing.
 */

/* ------------------------------------------------------------------ */
/* 1. The ABI */

/*
 * Capabilities of a PPC HV VM; the PPC ioctls on an EPT VM and the x86
 * shadow ioctls on a PPC VM are ENOTTY.
 */
TEST(vm_types)
{
	struct kvmmu_ppc_hcall h;
	struct kvmmu_paging p;
	struct kvmmu_vm_stats st;
	int vm, ept, vcpu;
	__u32 order = 0;
	__u64 msr = 0;

	vm = kvmmu_create_vm(KVMMU_VM_PPC_HV);
	ASSERT_LE(0, vm) TH_LOG("KVMMU_CREATE_VM(PPC_HV): %s", strerror(-vm));
	EXPECT_TRUE(ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_VM_TYPES) &
		    1 << KVMMU_VM_PPC_HV);
	EXPECT_EQ(48, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_GPA_BITS));
	EXPECT_EQ(1, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_READONLY_MEM));
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_GET_PAGING, &p));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	EXPECT_EQ(0, kvmmu_vm_stats(vm, &st));
	EXPECT_EQ(0, st.fast_faults + st.shadow_pages + st.pt_writes);
	close(vcpu);
	close(vm);

	ept = kvmmu_create_vm(KVMMU_VM_X86_EPT);
	ASSERT_LE(0, ept);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(ept, KVMMU_PPC_ALLOCATE_HTAB, &order));
	vcpu = kvmmu_create_vcpu(ept, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_PPC_GET_MSR, &msr));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_PPC_SET_MSR, &msr));
	EXPECT_EQ(-ENOTTY, hcall(vcpu, &h, KVMMU_PPC_H_READ, 0, 0, 0, 0));
	EXPECT_EQ(0, kvmmu_vm_stats(ept, &st));
	EXPECT_EQ(0, st.hpte_evictions);
	close(vcpu);
	close(ept);
}

/* The HPTE index limit of the table in effect is 2^order / 16. */
static void expect_order(struct __test_metadata *_metadata, int vcpu,
			 unsigned int order)
{
	__u64 last = (1ULL << (order - 4)) - 1, v, r, ea = EA(0);

	EXPECT_EQ(KVMMU_PPC_H_PARAMETER, h_read(vcpu, last + 1, &v, &r))
		TH_LOG("order %u: index %#llx", order,
		       (unsigned long long)last + 1);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, last, &v, &r))
		TH_LOG("order %u: index %#llx", order,
		       (unsigned long long)last);
	EXPECT_EQ(0, v & V_VALID);
	/* An HPTE entered at the right PTEG of this order is found. */
	EXPECT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, order, false), hpte_v(ea, false),
			  hpte_r(DATA_GRA, PP_RW_RW), NULL));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, RD, ea + 8, 0x0123));
}

/*
 * ALLOCATE_HTAB: 0 is the default order, [18, 24] are taken, anything
 * else is EINVAL and leaves the order as it was; once a vCPU exists the
 * table can no longer be replaced (EBUSY).  The order in effect decides
 * the index range and the hash mask.
 */
TEST(allocate_htab)
{
	static const __u32 bad[] = { 1, 12, 17, 25, 26, 64, 0x80000012 };
	unsigned int i, k;
	__u32 order;
	char *mem;
	int vm, vcpu;

	mem = kvmmu_alloc_anon(DATA_END);
	ASSERT_NE(MAP_FAILED, mem);
	kvmmu_poke(mem + DATA_GRA + 8, 0x0123);
	for (k = 0; k < 3; k++) {
		static const __u32 want[] = { 18, 19, 24 };

		vm = kvmmu_create_vm(KVMMU_VM_PPC_HV);
		ASSERT_LE(0, vm);
		ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, 0, DATA_END, mem));
		order = 0;
		EXPECT_EQ(0, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB, &order));
		EXPECT_EQ(KVMMU_PPC_HPT_ORDER_DEFAULT, order);
		order = want[k];
		EXPECT_EQ(0, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB, &order));
		EXPECT_EQ(want[k], order);
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			order = bad[i];
			EXPECT_EQ(-EINVAL, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB,
						       &order))
				TH_LOG("order %u", bad[i]);
		}
		EXPECT_EQ(-EFAULT, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB,
					       (void *)8));
		vcpu = kvmmu_create_vcpu(vm, 0);
		ASSERT_LE(0, vcpu);
		order = want[k];
		EXPECT_EQ(-EBUSY, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB,
					      &order));
		order = 0;
		EXPECT_EQ(-EBUSY, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB,
					      &order));
		expect_order(_metadata, vcpu, want[k]);
		close(vcpu);
		close(vm);
	}

	/* Without ALLOCATE_HTAB, the default. */
	vm = kvmmu_create_vm(KVMMU_VM_PPC_HV);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, 0, DATA_END, mem));
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	expect_order(_metadata, vcpu, KVMMU_PPC_HPT_ORDER_DEFAULT);
	close(vcpu);
	close(vm);
	munmap(mem, DATA_END);
}

/* MSR: 0 at first; DR, IR and PR are settable, every other bit EINVAL. */
TEST_F(hv, msr)
{
	static const __u64 good[] = {
		MSR_DR, MSR_IR, MSR_PR, MSR_DR | MSR_IR,
		MSR_DR | MSR_IR | MSR_PR, MSR_PR | MSR_DR, 0,
	};
	const __u64 cur = MSR_DR | MSR_PR;
	int vcpu = self->vcpu, vcpu1;
	unsigned int i;

	EXPECT_EQ(0, get_msr(_metadata, vcpu));
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		EXPECT_EQ(0, set_msr(vcpu, good[i]));
		EXPECT_EQ(good[i], get_msr(_metadata, vcpu));
	}
	ASSERT_EQ(0, set_msr(vcpu, cur));
	for (i = 0; i < 64; i++) {
		if (_BITULL(i) & (MSR_DR | MSR_IR | MSR_PR))
			continue;
		EXPECT_EQ(-EINVAL, set_msr(vcpu, cur | _BITULL(i)))
			TH_LOG("MSR bit %u", i);
		EXPECT_EQ(cur, get_msr(_metadata, vcpu));
	}
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(vcpu, KVMMU_PPC_SET_MSR, (void *)8));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(vcpu, KVMMU_PPC_GET_MSR, (void *)8));
	EXPECT_EQ(cur, get_msr(_metadata, vcpu));

	/* Per vCPU. */
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	EXPECT_EQ(0, get_msr(_metadata, vcpu1));
	close(vcpu1);
}

/*
 * The hcall ioctl: unknown hcalls are H_FUNCTION (the ioctl succeeds),
 * non-zero reserved words EINVAL, a bad pointer EFAULT.
 */
TEST_F(hv, hcall_abi)
{
	static const __u64 unknown[] = {
		0, 0x1c, 0x20, 0x28, 0x34, 0x40, 0x400, 0xf000, ~0ULL,
	};
	struct kvmmu_ppc_hcall h;
	__u64 v, r, idx;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		EXPECT_EQ(0, hcall(self->vcpu, &h, unknown[i], 0, 0, 0, 0));
		EXPECT_EQ(KVMMU_PPC_H_FUNCTION, h.ret)
			TH_LOG("hcall %#llx", (unsigned long long)unknown[i]);
	}
	memset(&h, 0, sizeof(h));
	h.nr = KVMMU_PPC_H_ENTER;
	h.args[1] = pteg_of(EA(0), 18, false);
	h.args[2] = hpte_v(EA(0), false);
	h.args[3] = hpte_r(DATA_GRA, PP_RW_RW);
	h.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, kvmmu_ioctl(self->vcpu, KVMMU_PPC_HCALL, &h));
	h.reserved[1] = 0;
	h.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, kvmmu_ioctl(self->vcpu, KVMMU_PPC_HCALL, &h));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_PPC_HCALL, (void *)8));
	/* Neither entered anything. */
	for (idx = pteg_of(EA(0), 18, false), i = 0; i < 8; i++) {
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(self->vcpu, idx + i, &v, &r));
		EXPECT_EQ(0, v & V_VALID);
	}
}

/*
 * H_ENTER into any free slot, H_EXACT, a full PTEG, H_READ of what was
 * entered (the guest's own words, its real page number), H_REMOVE (the
 * old words; a second time H_NOT_FOUND), and indexes past the table.
 */
TEST_F(hv, hpte_lifecycle)
{
	const __u64 base = pteg_of(EA(0), 18, false), nptes = 1ULL << 14;
	int vcpu = self->vcpu;
	__u64 v, r, idx, rets[2], gra[9], ea[9];
	unsigned int i;
	long ret;

	for (i = 0; i < 9; i++) {
		gra[i] = data_page(_metadata, &self->g, i + 1);
		/* Nine EAs with one primary PTEG: segments 1 + 2048 k. */
		ea[i] = EA(0) + ((__u64)i * 2048 << 40);
		ASSERT_EQ(base, pteg_of(ea[i], 18, false));
	}

	/* Exact slot 5 first, then any free slot: 0-4, 6, 7. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, H_EXACT, base + 5, hpte_v(ea[0], false),
			  hpte_r(gra[0], PP_RW_RW), &idx));
	EXPECT_EQ(base + 5, idx);
	for (i = 1; i < 8; i++) {
		ret = h_enter(vcpu, 0, base + (i & 7), hpte_v(ea[i], false),
			      hpte_r(gra[i], PP_RW_RW), &idx);
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, ret) TH_LOG("entry %u", i);
		EXPECT_EQ(base + (i < 6 ? i - 1 : i), idx) TH_LOG("entry %u", i);
	}
	/* Full: neither any slot nor an exact one. */
	EXPECT_EQ(KVMMU_PPC_H_PTEG_FULL,
		  h_enter(vcpu, 0, base, hpte_v(ea[8], false),
			  hpte_r(gra[8], PP_RW_RW), NULL));
	EXPECT_EQ(KVMMU_PPC_H_PTEG_FULL,
		  h_enter(vcpu, H_EXACT, base + 2, hpte_v(ea[8], false),
			  hpte_r(gra[8], PP_RW_RW), NULL));

	/* Everything as entered, and the guest reaches each page. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (i = 0; i < 8; i++) {
		idx = base + (i == 0 ? 5 : i < 6 ? i - 1 : i);
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
		EXPECT_EQ(hpte_v(ea[i], false), v) TH_LOG("entry %u", i);
		EXPECT_EQ(hpte_r(gra[i], PP_RW_RW), r & ~(R_R | R_C))
			TH_LOG("entry %u", i);
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[i] + 16,
					val(i + 1, gra[i] + 16)));
	}
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea[8], DSISR_NOHPTE));

	/* The ninth goes to the secondary PTEG, with H set. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea[8], 18, true), hpte_v(ea[8], true),
			  hpte_r(gra[8], PP_RW_RW), &idx));
	EXPECT_EQ(pteg_of(ea[8], 18, true), idx & ~7ULL);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[8] + 24, val(9, gra[8] + 24)));

	/* H_REMOVE: the old words; the EA faults; again: H_NOT_FOUND. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, base + 3, rets));
	EXPECT_EQ(hpte_v(ea[4], false), rets[0]);
	EXPECT_EQ(hpte_r(gra[4], PP_RW_RW), rets[1] & ~(R_R | R_C));
	EXPECT_TRUE(rets[1] & R_R);	/* the guest read it */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, base + 3, &v, &r));
	EXPECT_EQ(0, v & V_VALID);
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea[4], DSISR_NOHPTE));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, WR, ea[4] + 8,
			   DSISR_NOHPTE | DSISR_STORE));
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND, h_remove(vcpu, base + 3, rets));
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND, h_remove(vcpu, base + 64, rets));
	/* The freed slot is the one "any slot" takes. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, base, hpte_v(ea[4], false),
			  hpte_r(gra[5], PP_RW_RW), &idx));
	EXPECT_EQ(base + 3, idx);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[4] + 8, val(6, gra[5] + 8)));

	/* Past the table: H_PARAMETER, nothing changed. */
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
		  h_enter(vcpu, H_EXACT, nptes, hpte_v(EA(1), false),
			  hpte_r(gra[0], PP_RW_RW), NULL));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
		  h_enter(vcpu, 0, nptes + 8, hpte_v(EA(1), false),
			  hpte_r(gra[0], PP_RW_RW), NULL));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER, h_read(vcpu, nptes, &v, &r));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER, h_read(vcpu, ~0ULL, &v, &r));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER, h_remove(vcpu, nptes, rets));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_REF, 0, nptes, 0, 0, rets));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, nptes + 7, 0, 0, rets));
	for (i = 0; i < 8; i++)
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[i] + 16,
					i == 4 ? val(6, gra[5] + 16) :
				  val(i + 1, gra[i] + 16)));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, EA(1), DSISR_NOHPTE));
}

/*
 * Bad HPTE words: H_ENTER refuses (H_PARAMETER) a large page, a segment
 * size other than 1 TiB, a VSID no effective address has (the VRMA's),
 * reserved r bits and reserved pp0||pp values, and enters nothing.
 * H_REMOVE with H_AVPN removes only a matching HPTE, with H_ANDCOND only
 * one without the given bits; H_CLEAR_* of a free HPTE is H_NOT_FOUND.
 */
TEST_F(hv, hcall_bad_input)
{
	const __u64 ea = EA(0x20), grp = pteg_of(ea, 18, false);
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1), v0 = hpte_v(ea, false);
	__u64 r0 = hpte_r(p, PP_RW_RW), v, r, idx, rets[2];
	const struct {
		__u64 v, r;
		const char *what;
	} bad[] = {
		{ v0 | V_LARGE, r0, "L" },
		{ v0 & ~V_1TB, r0, "B = 0 (256 MiB)" },
		{ (v0 & ~V_1TB) | _BITULL(63), r0, "B = 2" },
		{ v0 | V_1TB | _BITULL(63), r0, "B = 3" },
		{ hpte_v_vsid(KVMMU_PPC_VRMA_VSID, ea, false), r0,
		  "the VRMA's VSID" },
		{ hpte_v_vsid(1ULL << 24, ea, false), r0, "VSID 2^24" },
		{ v0, r0 | _BITULL(9), "r bit 9 (key)" },
		{ v0, r0 | _BITULL(60), "r bit 60" },
		{ v0, hpte_r(p, R_PP0 | 0), "pp0||pp 100" },
		{ v0, hpte_r(p, R_PP0 | 1), "pp0||pp 101" },
		{ v0, hpte_r(p, R_PP0 | 3), "pp0||pp 111" },
	};
	int vcpu = self->vcpu;
	unsigned int i, k;

	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
			  h_enter(vcpu, 0, grp, bad[i].v, bad[i].r, NULL))
			TH_LOG("%s", bad[i].what);
		EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
			  h_enter(vcpu, H_EXACT, grp + 3, bad[i].v, bad[i].r,
				  NULL))
			TH_LOG("%s", bad[i].what);
	}
	for (k = 0; k < 8; k++) {
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, grp + k, &v, &r));
		EXPECT_EQ(0, v) TH_LOG("slot %u", k);
		EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
			  hc(vcpu, KVMMU_PPC_H_CLEAR_REF, 0, grp + k, 0, 0, rets));
		EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
			  hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, grp + k, 0, 0, rets));
	}
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));

	/* H_REMOVE's conditions. */
	ASSERT_EQ(KVMMU_PPC_H_SUCCESS, h_enter(vcpu, 0, grp, v0, r0, &idx));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 8, 0x88));
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
		  hc(vcpu, KVMMU_PPC_H_REMOVE, H_AVPN, idx,
		     hpte_v(ea + SEG(1), false) & ~0x7fULL, 0, rets));
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
		  hc(vcpu, KVMMU_PPC_H_REMOVE, H_ANDCOND, idx, V_1TB, 0, rets));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 8, 0x88));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
	EXPECT_EQ(v0, v);
	EXPECT_EQ(r0 | R_R | R_C, r);
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
		  hc(vcpu, KVMMU_PPC_H_REMOVE, H_AVPN | H_ANDCOND, idx,
		     v0 & ~0x7fULL, 0, rets))
		TH_LOG("H_AVPN matches, but H_ANDCOND finds the bits set");
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_REMOVE, H_AVPN, idx, v0 & ~0x7fULL, 0,
		     rets));
	EXPECT_EQ(v0, rets[0]);
	EXPECT_EQ(r0 | R_R | R_C, rets[1]);
	EXPECT_TRUE(dsi_is(_metadata, vcpu, WR, ea, DSISR_NOHPTE | DSISR_STORE));
	EXPECT_EQ(0x88, kvmmu_peek(gmem(g, p + 8)));
}
