// SPDX-License-Identifier: GPL-2.0
/*
 * ppc_hv_test (#included by ppc_hv_test.c): translation through the HPT
 * as the hardware does it: hash lookups, relocation (DR and IR), read-only
 * and changing memslots, pp protection and storage interrupts, R and C as
 * the guest sees them, and idle page tracking.
 */

/*
 * Lookups as the hardware does them: an entry in the wrong PTEG, or with
 * another AVPN, or with H set in the primary group, is not found; an
 * entry in the secondary group without H neither.  An HPTE for guest real
 * memory no slot covers faults the access with -ENOENT.
 */
TEST_F(hv, hash_lookup)
{
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1), idx, v, r;
	/* (EA(0x31) would have @ea's AVPN: it drops the low 11 VPN bits) */
	const __u64 ea = EA(0x30), other = EA(0x30) + SEG(1);
	int vcpu = self->vcpu;

	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	/* In the PTEG of another EA. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(other, 18, false), hpte_v(ea, false),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, other, DSISR_NOHPTE));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	/* In its secondary PTEG without H, in its primary with H. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, true), hpte_v(ea, false),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, false), hpte_v(ea, true),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	/*
	 * Another segment whose VPN differs from @ea's only in bits the AVPN
	 * keeps (2048 segments up: same hash, other AVPN).
	 */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, false),
			  hpte_v(ea + SEG(2048), false), hpte_r(p, PP_RW_RW),
			  &idx));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + SEG(2048) + 8, val(1, p + 8)));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea + SEG(2048), DSISR_NOHPTE));

	/* Right: primary, then secondary. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, false), hpte_v(ea, false),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 0xff8, val(1, p + 0xff8)));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, ea, hpfn(g, p)));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	EXPECT_FALSE(xlate(_metadata, vcpu, ea).flags & KVMMU_TR_PRESENT);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, true), hpte_v(ea, true),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 0x800, 0xabc));
	EXPECT_EQ(0xabc, kvmmu_peek(gmem(g, p + 0x800)));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, ea, hpfn(g, p)));

	/* Guest real memory outside every slot. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(other, 18, false),
			  hpte_v(other, false), hpte_r(RAM_SIZE + PG, PP_RW_RW),
			  &idx));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, other, -ENOENT));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
	EXPECT_EQ(hpte_v(other, false), v);
	EXPECT_EQ(RAM_SIZE + PG, r & R_RPN);
}

/*
 * Real mode and relocation: with MSR 0 addresses are guest real; DR turns
 * data accesses, IR fetches to effective addresses, each on its own.
 * TRANSLATE follows the same mode.
 */
TEST_F(hv, relocation)
{
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1), q = data_page(_metadata, g, 2);
	const __u64 ea = EA(0x40);
	int vcpu = self->vcpu;

	map_ea(_metadata, vcpu, 18, ea, q, PP_RW_RW, 0);
	/* Real mode: ea is no guest real address; p is. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p + 8, val(1, p + 8)));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, p + 16, val(1, p + 16)));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, ea, -ENOENT));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, p, hpfn(g, p)));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, p + 24, 0x24));
	EXPECT_EQ(0x24, kvmmu_peek(gmem(g, p + 24)));
	/* Problem state means nothing to real-mode accesses. */
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, WR | USR, p + 32, 0x32));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, RD | USR, p + 32, 0x32));

	/* DR: data relocated, fetches real. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 8, val(2, q + 8)));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, p + 8, DSISR_NOHPTE));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, p + 16, val(1, p + 16)));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, FE, ea, -ENOENT));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, ea, hpfn(g, q)));

	/* IR: fetches relocated, data real. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_IR));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, ea + 32, val(2, q + 32)));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p + 40, val(1, p + 40)));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, ea, -ENOENT));

	/* Both, and back to real mode. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_IR | MSR_DR));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, ea + 40, val(2, q + 40)));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 48, 0x48));
	EXPECT_EQ(0x48, kvmmu_peek(gmem(g, q + 48)));
	ASSERT_EQ(0, set_msr(vcpu, 0));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, q + 48, 0x48));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, ea, -ENOENT));
}

/*
 * A read-only slot: through an HPTE the guest made read-write, and in real
 * mode, reads work and writes fail with -EACCES (the host refuses, not
 * the guest's pp: no DSI), setting no C; the memory is unchanged.
 */
TEST_F(hv, readonly_slot)
{
	const __u64 rom_gra = 0x20000000ULL, ea = EA(0x48);
	int vcpu = self->vcpu, k;
	struct kvmmu_translation t;
	__u64 idx, v, r;
	char *rom;

	rom = kvmmu_alloc_anon(PG);
	ASSERT_NE(MAP_FAILED, rom);
	fill_ram(rom, rom_gra, 0x70);
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, KVMMU_MEM_READONLY, rom_gra,
				      PG, rom));
	idx = map_ea(_metadata, vcpu, 18, ea, rom_gra, PP_RW_RW, 0);
	for (k = 0; k < 2; k++) {
		__u64 a = k ? rom_gra : ea;

		ASSERT_EQ(0, set_msr(vcpu, k ? 0 : MSR_DR));
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, a + 8, -EACCES));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, a + 8, val(0x70, rom_gra + 8)));
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, a + 8, -EACCES));
		t = xlate(_metadata, vcpu, a);
		EXPECT_EQ(KVMMU_TR_PRESENT,
			  t.flags & (KVMMU_TR_PRESENT | KVMMU_TR_WRITABLE));
	}
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
	EXPECT_EQ(R_R, r & (R_R | R_C));
	EXPECT_EQ(val(0x70, rom_gra + 8), kvmmu_peek(rom + 8));
	munmap(rom, PG);
}

/*
 * Memslot changes behind the guest's HPTEs: deleting the slot takes every
 * mapping of its pages away (EAs and real mode: -ENOENT, as MMIO) while
 * the guest's HPTEs stay as entered; the slot registered again on other
 * memory is what the same HPTEs then reach.
 */
TEST_F(hv, memslot_change)
{
	const __u64 gra = 0x20000000ULL, e1 = EA(0x49), e2 = EA(0x4a) + SEG(2);
	int vcpu = self->vcpu;
	__u64 i1, v, r;
	char *a, *b;

	a = kvmmu_alloc_anon(2 * PG);
	b = kvmmu_alloc_anon(2 * PG);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	fill_ram(a, gra, 0xa);
	fill_ram(a + PG, gra + PG, 0xa);
	fill_ram(b, gra, 0xb);
	fill_ram(b + PG, gra + PG, 0xb);
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, 0, gra, 2 * PG, a));
	EXPECT_FALSE(xlate(_metadata, vcpu, gra).flags & KVMMU_TR_PRESENT)
		TH_LOG("present before any access");
	i1 = map_ea(_metadata, vcpu, 18, e1, gra, PP_RW_RW, 0);
	map_ea(_metadata, vcpu, 18, e2, gra + PG, PP_RW_RW, 0);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, gra + 8, val(0xa, gra + 8)));
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, e1 + 16, 0xa16));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, e2 + 8, val(0xa, gra + PG + 8)));

	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, 0, gra, 0, a));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, e1 + 16, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, e2, -ENOENT));
	EXPECT_FALSE(xlate(_metadata, vcpu, e1).flags & KVMMU_TR_PRESENT);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, i1, &v, &r));
	EXPECT_EQ(hpte_v(e1, i1 / 8 != pteg_of(e1, 18, false) / 8), v);
	EXPECT_EQ(hpte_r(gra, PP_RW_RW) | R_R | R_C, r);
	ASSERT_EQ(0, set_msr(vcpu, 0));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, gra + 8, -ENOENT));

	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, 0, gra, 2 * PG, b));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, gra + 8, val(0xb, gra + 8)));
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, e1 + 16, val(0xb, gra + 16)));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, e2 + 24, 0xb24));
	EXPECT_EQ(0xb24, kvmmu_peek(b + PG + 24));
	EXPECT_EQ(val(0xa, gra + PG + 24), kvmmu_peek(a + PG + 24));
	EXPECT_EQ(0xa16, kvmmu_peek(a + 16));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, e1, kvmmu_pfn_of(b)));
	munmap(a, 2 * PG);
	munmap(b, 2 * PG);
}

/*
 * pp for the supervisor and the problem state, the latter both by
 * MSR.PR and by KVMMU_ACCESS_USER; denied accesses raise a DSI with
 * PROTFAULT (and ISSTORE for stores) and change neither memory nor C.
 * N forbids fetches only.
 */
TEST_F(hv, protection)
{
	/* [pp][supervisor read, write, user read, write]: allowed? */
	static const bool allow[5][4] = {
		{ 1, 1, 0, 0 },
		{ 1, 1, 1, 0 },
		{ 1, 1, 1, 1 },
		{ 1, 0, 1, 0 },
		{ 1, 0, 0, 0 },	/* pp0||pp 110 */
	};
	static const __u64 ppv[5] = {
		PP_RW_NONE, PP_RW_RO, PP_RW_RW, PP_RO_RO, PP_RO_NONE,
	};
	struct guest *g = &self->g;
	int vcpu = self->vcpu, pr, k, type;
	__u64 pg[5], idx[5], ea, v, r, want, fx;
	unsigned int pp, n = 0;

	for (pp = 0; pp < 5; pp++) {
		pg[pp] = data_page(_metadata, g, pp + 1);
		idx[pp] = map_ea(_metadata, vcpu, 18, EA(0x50 + pp), pg[pp],
				 ppv[pp], 0);
	}
	for (pr = 0; pr < 2; pr++) {
		ASSERT_EQ(0, set_msr(vcpu, MSR_DR | (pr ? MSR_PR : 0)));
		for (pp = 0; pp < 5; pp++) {
			ea = EA(0x50 + pp);
			for (k = 0; k < 4; k++) {
				bool user = pr || k >= 2, w = k & 1;
				__u64 off = 8 * (1 + n++ % 500);

				/* PR set: a supervisor access is a user one. */
				if (pr && k < 2)
					continue;
				type = (w ? WR : RD) | (k >= 2 && !pr ? USR : 0);
				want = w ? 0xc0de0000ULL + n : val(pp + 1, pg[pp] + off);
				if (allow[pp][user * 2 + w]) {
					EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, type,
								 ea + off, want))
						TH_LOG("pp %u pr %d", pp, pr);
					if (w)
						fill(g, pg[pp], pp + 1);
					continue;
				}
				EXPECT_TRUE(dsi_is(_metadata, vcpu, type, ea + off,
						   DSISR_PROT | (w ? DSISR_STORE : 0)))
					TH_LOG("pp %u pr %d", pp, pr);
				EXPECT_EQ(val(pp + 1, pg[pp] + off),
					  kvmmu_peek(gmem(g, pg[pp] + off)));
			}
		}
	}
	/* pp 11 and 110 were never written: no C; pp 10 was. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx[PP_RO_RO], &v, &r));
	EXPECT_EQ(R_R, r & (R_R | R_C));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx[4], &v, &r));
	EXPECT_EQ(R_R, r & (R_R | R_C));
	EXPECT_EQ(hpte_r(pg[4], PP_RO_NONE), r & ~(R_R | R_C));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx[PP_RW_RW], &v, &r));
	EXPECT_EQ(R_R | R_C, r & (R_R | R_C));

	/*
	 * N: data accesses go, fetches fault (a protection fault: kvmmu
	 * reports fetches with the DSISR bits too); without N they go.
	 */
	fx = data_page(_metadata, g, 7);
	map_ea(_metadata, vcpu, 18, EA(0x60), fx, PP_RW_RW, R_N);
	map_ea(_metadata, vcpu, 18, EA(0x61), fx, PP_RW_RW, 0);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR | MSR_IR));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, EA(0x60) + 8, val(7, fx + 8)));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, FE, EA(0x60) + 8, DSISR_PROT));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, EA(0x61) + 8, val(7, fx + 8)));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, FE, EA(0x62), DSISR_NOHPTE));
	/* A user fetch of a pp 00 page is a protection fault. */
	EXPECT_TRUE(dsi_is(_metadata, vcpu, FE | USR, EA(0x50), DSISR_PROT));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE | USR, EA(0x52) + 8,
				 val(3, pg[2] + 8)));
	/* N applies to the EA, not the page: without IR the fetch is real. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, fx + 8, val(7, fx + 8)));
}

/* The R and C bits of the HPTE used, as H_READ and H_CLEAR_* show them. */
static __u64 rc_of(struct __test_metadata *_metadata, int vcpu, __u64 idx)
{
	__u64 v = 0, r = 0;

	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
	EXPECT_TRUE(v & V_VALID);
	return r & (R_R | R_C);
}

/*
 * R is set by any access through the HPTE, C by writes; H_CLEAR_REF and
 * H_CLEAR_MOD return the old second word and clear them, and the next
 * access sets them again (the hypervisor must not let a mapping it keeps
 * skip that).  A host invalidation loses neither.
 */
TEST_F(hv, ref_change)
{
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1), ea = EA(0x70), ea2 = EA(0x71);
	int vcpu = self->vcpu;
	__u64 idx, idx2, rets[2];

	idx = map_ea(_metadata, vcpu, 18, ea, p, PP_RW_RW, 0);
	idx2 = map_ea(_metadata, vcpu, 18, ea2, p, PP_RW_RW, 0);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_EQ(0, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 8, val(1, p + 8)));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx));
	EXPECT_EQ(0, rc_of(_metadata, vcpu, idx2));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 16, 0x16));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx));
	EXPECT_EQ(0, rc_of(_metadata, vcpu, idx2));

	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_REF, 0, idx, 0, 0, rets));
	EXPECT_EQ(hpte_r(p, PP_RW_RW) | R_R | R_C, rets[0]);
	EXPECT_EQ(R_C, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 8, val(1, p + 8)));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx));

	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, idx, 0, 0, rets));
	EXPECT_EQ(hpte_r(p, PP_RW_RW) | R_R | R_C, rets[0]);
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 16, 0x16));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx)) TH_LOG("a read set C");
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 24, 0x24));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx))
		TH_LOG("a write after H_CLEAR_MOD did not set C");

	/* Both clear, then one write: both set. */
	hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, idx, 0, 0, rets);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_REF, 0, idx, 0, 0, rets));
	EXPECT_EQ(hpte_r(p, PP_RW_RW) | R_R, rets[0]);
	EXPECT_EQ(0, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 32, 0x32));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx));

	/* The other HPTE of the page: its own bits. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea2 + 32, 0x32));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx2));

	/* Invalidated by the host: the guest's view keeps R and C. */
	ASSERT_EQ(0, madvise(g->ram + p, PG, MADV_DONTNEED));
	EXPECT_FALSE(xlate(_metadata, vcpu, ea).flags & KVMMU_TR_PRESENT);
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx2));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, idx, 0, 0, rets));
	EXPECT_EQ(hpte_r(p, PP_RW_RW) | R_R | R_C, rets[0]);
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 32, 0));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea2 + 40, 0x40));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx2));
	EXPECT_EQ(0x40, kvmmu_peek(gmem(g, p + 40)));
}

/*
 * Host aging through idle page tracking: after the pages are marked idle,
 * those the guest then accesses (through its HPTEs, or in real mode
 * through the VRMA) read as not idle, the others as idle, twice over.
 */
TEST_F(hv, page_idle)
{
	const unsigned int n = 12;
	struct guest *g = &self->g;
	__u64 p[12], pfn[12];
	int vcpu = self->vcpu, fd, idle, round;
	unsigned int i, bad;

	fd = open(KVMMU_PAGE_IDLE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no idle page tracking: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		p[i] = data_page(_metadata, g, i + 1);
		map_ea(_metadata, vcpu, 18, EA(0x80 + i), p[i], PP_RW_RW, 0);
		map_ea(_metadata, vcpu, 18, EA(0xa0 + i), p[i], PP_RW_RW, 0);
	}
	kvmmu_lru_drain_all(g->ram + p[0]);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, EA(0x80 + i), val(i + 1, p[i])));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, EA(0xa0 + i), val(i + 1, p[i])));
		pfn[i] = hpfn(g, p[i]);
		ASSERT_NE(0, pfn[i]);
	}

	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, kvmmu_idle_mark(fd, pfn, n));
		/*
		 * Round 0: pages 0 mod 3 through the first EA, 1 mod 3
		 * through the second, written; round 1 in real mode.
		 */
		ASSERT_EQ(0, set_msr(vcpu, round ? 0 : MSR_DR));
		for (i = 0; i < n; i++) {
			__u64 a = round ? p[i] : EA((i % 3 ? 0xa0 : 0x80) + i);

			if (i % 3 == 2)
				continue;
			if (i % 3) {
				EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, a + 8, i));
			} else {
				EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, a,
							val(i + 1, p[i])));
			}
		}
		for (bad = 0, i = 0; i < n; i++) {
			idle = kvmmu_idle_test(fd, pfn[i]);
			ASSERT_LE(0, idle) TH_LOG("page_idle read: %s",
						  strerror(-idle));
			if (idle == (i % 3 != 2))
				TH_LOG("round %d page %u: %s", round, i,
				       idle ? "idle, but the guest accessed it"
					    : "not idle, nobody touched it");
			bad += idle == (i % 3 != 2);
		}
		EXPECT_EQ(0, bad);
	}
	close(fd);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (i = 0; i < n; i++)
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, EA(0xa0 + i) + 8,
					i % 3 == 1 ? i : val(i + 1, p[i] + 8)));
}
