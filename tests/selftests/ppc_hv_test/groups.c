// SPDX-License-Identifier: GPL-2.0
/*
 * ppc_hv_test (#included by ppc_hv_test.c): full PTEGs: VRMA entries are
 * evicted in real mode, the guest's never.
 */

/* ------------------------------------------------------------------ */
/* 2. Full groups and the VRMA */

/*
 * Real mode at the minimum order: 24 guest real pages whose VRMA entries
 * all hash to one PTEG pair (16 slots).  Every access is right; the
 * hypervisor evicts its own entries to make room (hpte_evictions) and
 * never keeps more than 16 of them present; evicted pages come back on
 * the next access, with the data written before.
 */
TEST_F(hv, vrma_eviction)
{
	const unsigned int n = 24;
	struct guest *g = &self->g;
	const __u64 p0 = 0x1230000ULL;	/* every 8 MiB from here */
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, pass, present;
	int vcpu = self->vcpu;
	__u64 p[24];

	for (i = 0; i < n; i++) {
		p[i] = p0 + (__u64)i * 2048 * PG;
		ASSERT_GT(RAM_SIZE, p[i]);
		ASSERT_EQ(vrma_pteg(p0, 18, false), vrma_pteg(p[i], 18, false));
		ASSERT_EQ(vrma_pteg(p0, 18, true), vrma_pteg(p[i], 18, true));
		fill(g, p[i], i + 1);
	}
	st0 = kvmmu_stats(_metadata, self->vm);
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < n; i++) {
			__u64 off = 8 * (1 + pass);

			EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p[i] + off,
						pass == 2 ? 0x100 + i :
					  val(i + 1, p[i] + off)))
				TH_LOG("pass %u page %u", pass, i);
			if (pass == 1)
				EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu,
							p[i] + 8 * 3, 0x100 + i));
		}
		for (present = 0, i = 0; i < n; i++)
			present += !!(xlate(_metadata, vcpu, p[i]).flags &
				      KVMMU_TR_PRESENT);
		EXPECT_GE(16, present) TH_LOG("pass %u", pass);
		EXPECT_LT(0, present);
	}
	st1 = kvmmu_stats(_metadata, self->vm);
	TH_LOG("hpte_evictions %llu -> %llu",
	       (unsigned long long)st0.hpte_evictions,
	       (unsigned long long)st1.hpte_evictions);
	EXPECT_LE(st0.hpte_evictions + 3 * (n - 16), st1.hpte_evictions);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0x100 + i, kvmmu_peek(gmem(g, p[i] + 8 * 3)));
}

/*
 * The guest fills the primary PTEG of a run of real pages with its own
 * entries: the VRMA entries of those pages use the secondary group, and
 * evictions there never touch a guest HPTE.
 */
TEST_F(hv, vrma_spares_guest)
{
	const unsigned int n = 12;
	struct guest *g = &self->g;
	const __u64 p0 = 0x2340000ULL;
	const __u64 grp = vrma_pteg(p0, 18, false);
	__u64 p[12], d, ea[8], v, r;
	int vcpu = self->vcpu;
	unsigned int i, k;

	d = data_page(_metadata, g, 9);
	/* Eight EAs with primary PTEG grp: segment s, page (grp / 8) ^ s. */
	for (k = 0; k < 8; k++) {
		ea[k] = SEG(k + 1) | ((grp / 8) ^ (k + 1)) << 12;
		ASSERT_EQ(grp, pteg_of(ea[k], 18, false));
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
			  h_enter(vcpu, H_EXACT, grp + k, hpte_v(ea[k], false),
				  hpte_r(d, PP_RW_RW), NULL));
	}
	for (i = 0; i < n; i++) {
		p[i] = p0 + (__u64)i * 2048 * PG;
		fill(g, p[i], i + 1);
	}
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++)
			EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p[i] + 8,
						val(i + 1, p[i] + 8)));
	EXPECT_LE(n - 8, kvmmu_stats(_metadata, self->vm).hpte_evictions);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (k = 0; k < 8; k++) {
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, grp + k, &v, &r));
		EXPECT_EQ(hpte_v(ea[k], false), v) TH_LOG("guest HPTE %u", k);
		EXPECT_EQ(hpte_r(d, PP_RW_RW), r & ~(R_R | R_C));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[k] + 16, val(9, d + 16)));
	}
}

/*
 * The other way round: both groups full of VRMA entries, and the guest
 * enters HPTEs there (any slot, and exact ones): the hypervisor makes room
 * by evicting its own; real-mode accesses go on working in what is left.
 */
TEST_F(hv, guest_evicts_vrma)
{
	const unsigned int n = 16;
	struct guest *g = &self->g;
	const __u64 p0 = 0x3450000ULL;
	const __u64 pri = vrma_pteg(p0, 18, false), sec = vrma_pteg(p0, 18, true);
	__u64 p[16], d, ea[9], v, r, idx, ev0;
	int vcpu = self->vcpu;
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		p[i] = p0 + (__u64)i * 2048 * PG;
		fill(g, p[i], i + 1);
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p[i] + 8, val(i + 1, p[i] + 8)));
	}
	ev0 = kvmmu_stats(_metadata, self->vm).hpte_evictions;
	d = data_page(_metadata, g, 9);
	for (k = 0; k < 9; k++) {
		__u64 grp = k < 8 ? pri : sec;

		ea[k] = SEG(k + 1) | ((grp / 8) ^ (k + 1)) << 12;
		ASSERT_EQ(grp, pteg_of(ea[k], 18, false));
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
			  h_enter(vcpu, k < 8 ? 0 : H_EXACT, k < 8 ? grp : grp + 3,
				  hpte_v(ea[k], false), hpte_r(d, PP_RW_RW), &idx))
			TH_LOG("guest HPTE %u", k);
		EXPECT_EQ(k < 8 ? grp : grp + 3, idx & (k < 8 ? ~7ULL : ~0ULL));
	}
	EXPECT_LE(ev0 + 9, kvmmu_stats(_metadata, self->vm).hpte_evictions);
	/* 7 slots left for 16 real pages, twice over. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++)
			EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p[i] + 16,
						val(i + 1, p[i] + 16)));
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (k = 0; k < 9; k++) {
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[k] + 24, val(9, d + 24)));
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
			  h_read(vcpu, k < 8 ? pri + k : sec + 3, &v, &r));
		EXPECT_TRUE(v & V_VALID);
	}
}
