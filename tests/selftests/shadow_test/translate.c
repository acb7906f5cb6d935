// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_test (#included by shadow_test.c): gva -> gpa translation
 * through 4 KiB, 2 MiB and 1 GiB guest pages, canonical addresses, and
 * the workload on guest-virtual addresses.
 */

/* ------------------------------------------------------------------ */
/* 2. Translation */

static const __u64 tr_gva[] = {
	0x1000, 0x2000, 0x1ff000, 0x200000, 0x40000000,
	PML4_GVA(2), 0x123456789000ULL, 0x7ffffffff000ULL,
};

/*
 * gvas all over the address space (neighbours in one table, the ends of a
 * table, other PDEs, PDPTEs and PML4Es) mapped to permuted gpas: the guest
 * reads what the VMM put at the gpa, its writes of every size land there,
 * and the shadow entry maps the process's frame of the gpa.
 */
TEST_F(sp, translate_4k)
{
	const unsigned int n = ARRAY_SIZE(tr_gva);
	struct guest *g = &self->g;
	int vcpu = self->vcpu;
	__u64 d[ARRAY_SIZE(tr_gva)], gpa;
	struct kvmmu_access a;
	unsigned int i, j, bad;
	char *b;

	for (i = 0; i < n; i++)
		d[i] = data_page(_metadata, g, 1);
	for (i = 0; i < n; i++)
		map(_metadata, g, self->root, tr_gva[i], d[(i + 3) % n], URW);
	ASSERT_EQ(0, paging_on(vcpu, self->root, false));

	for (i = 0; i < n; i++) {
		gpa = d[(i + 3) % n];
		EXPECT_TRUE(page_is(_metadata, vcpu, tr_gva[i], gpa, 1));
		EXPECT_TRUE(maps_pfn(_metadata, vcpu, tr_gva[i], hpfn(g, gpa),
				     KVMMU_TR_READABLE | KVMMU_TR_ACCESSED));
	}
	/* Unmapped neighbours fault. */
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, 0x3000, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, 0x0, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, 0x7fffffffe000ULL, 0));

	/* Writes of each size, at each gva, land at its gpa only. */
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, tr_gva[i] + 16,
					val(2, tr_gva[i])));
		a = kvmmu_access_one(vcpu, WR, tr_gva[i] + 101, 1, 0xa0 + i);
		EXPECT_EQ(0, a.result);
		a = kvmmu_access_one(vcpu, WR, tr_gva[i] + 202, 2, 0xb000 + i);
		EXPECT_EQ(0, a.result);
		a = kvmmu_access_one(vcpu, WR, tr_gva[i] + 404, 4, 0xc0000000 + i);
		EXPECT_EQ(0, a.result);
	}
	for (i = 0; i < n; i++) {
		gpa = d[(i + 3) % n];
		b = g->ram + gpa;
		EXPECT_EQ(val(2, tr_gva[i]), kvmmu_peek(b + 16))
			TH_LOG("gva %#llx", (unsigned long long)tr_gva[i]);
		EXPECT_EQ(0xa0 + i, (__u8)b[101]);
		EXPECT_EQ(0xb000 + i, *(__u16 *)(b + 202));
		EXPECT_EQ(0xc0000000 + i, *(__u32 *)(b + 404));
		/* The rest of the page is untouched. */
		for (bad = 0, j = 0; j < QWORDS; j++)
			bad += j != 2 && j != 12 && j != 25 && j != 50 &&
			       kvmmu_peek(gmem(g, gpa) + j) != val(1, gpa + j * 8);
		EXPECT_EQ(0, bad);
		EXPECT_TRUE(maps_pfn(_metadata, vcpu, tr_gva[i], hpfn(g, gpa),
				     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));
		a = kvmmu_access_one(vcpu, RD, tr_gva[i] + 202, 2, 0);
		EXPECT_EQ(0, a.result);
		EXPECT_EQ(0xb000 + i, a.data);
		a = kvmmu_access_one(vcpu, RD, tr_gva[i] + 404, 4, 0);
		EXPECT_EQ(0, a.result);
		EXPECT_EQ(0xc0000000 + i, a.data);
	}
}

/*
 * 2 MiB guest pages: every 4 KiB page within reads its own gpa (the shadow
 * maps 4 KiB frames), writes land there, and two adjacent large pages map
 * unrelated gpas.
 */
TEST_F(sp, translate_2m)
{
	const unsigned long n = SZ_2M / PG;
	const __u64 gva = REGION(0), gpa0 = HUGE_GPA, gpa1 = HUGE_GPA + 3 * SZ_2M;
	struct guest *g = &self->g;
	struct kvmmu_access *a;
	unsigned int bad = 0;
	unsigned long i;

	for (i = 0; i < n; i++) {
		fill(g, gpa0 + i * PG, 3);
		fill(g, gpa1 + i * PG, 4);
	}
	map_large(_metadata, g, self->root, gva, gpa0, 2, URW);
	map_large(_metadata, g, self->root, gva + SZ_2M, gpa1, 2, URW);
	ASSERT_EQ(0, paging_on(self->vcpu, self->root, true));

	a = calloc(4 * n, sizeof(*a));
	ASSERT_NE(NULL, a);
	for (i = 0; i < 4 * n; i++) {
		a[i].gpa = gva + i / 2 * PG + (i % 2 ? (i * 8 + 8) % PG : 0);
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(self->vcpu, a, 4 * n));
	for (i = 0; i < 4 * n; i++) {
		__u64 off = a[i].gpa - gva;
		__u64 want = off < SZ_2M ? val(3, gpa0 + off) :
					   val(4, gpa1 + off - SZ_2M);

		if (!a[i].result && a[i].data == want)
			continue;
		if (bad++ < 4)
			TH_LOG("gva %#llx: result %d data %#llx, expected %#llx",
			       (unsigned long long)a[i].gpa, a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)want);
	}
	EXPECT_EQ(0, bad);
	free(a);

	for (bad = 0, i = 0; i < n; i += 7)
		bad += !maps_pfn(_metadata, self->vcpu, gva + i * PG,
				 hpfn(g, gpa0 + i * PG), KVMMU_TR_READABLE);
	EXPECT_EQ(0, bad);

	for (i = 0; i < n; i += 5)
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, self->vcpu, gva + i * PG + 24,
					val(5, i)));
	for (bad = 0, i = 0; i < n; i++) {
		__u64 want = i % 5 ? val(3, gpa0 + i * PG + 24) : val(5, i);

		bad += kvmmu_peek(g->ram + gpa0 + i * PG + 24) != want;
		bad += kvmmu_peek(g->ram + gpa1 + i * PG + 24) !=
		       val(4, gpa1 + i * PG + 24);
	}
	EXPECT_EQ(0, bad);
	/* Past the second large page: nothing. */
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, RD, gva + 2 * SZ_2M, 0));
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, RD, gva - PG, 0));
}

/*
 * A 1 GiB guest page over all of RAM: every sampled page reads right and
 * takes writes; past the end of RAM the gpa has no slot (-ENOENT).
 */
TEST_F(sp, translate_1g)
{
	const __u64 gva = REGION(2);
	struct guest *g = &self->g;
	__u64 gpa, p = data_page(_metadata, g, 6);

	for (gpa = HUGE_GPA; gpa < RAM_SIZE; gpa += 61 * PG)
		fill(g, gpa, 7);
	fill(g, RAM_SIZE - PG, 8);
	map_large(_metadata, g, self->root, gva, 0, 3, URW);
	ASSERT_EQ(0, paging_on(self->vcpu, self->root, true));

	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva + p, p, 6));
	for (gpa = HUGE_GPA; gpa < RAM_SIZE; gpa += 61 * PG)
		EXPECT_TRUE(page_is(_metadata, self->vcpu, gva + gpa, gpa, 7));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva + RAM_SIZE - PG,
			    RAM_SIZE - PG, 8));
	EXPECT_TRUE(maps_pfn(_metadata, self->vcpu, gva + p, hpfn(g, p),
			     KVMMU_TR_READABLE));
	/* The guest's own PML4, seen through the large page. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, self->vcpu, gva + self->root + 8,
				gmem(g, self->root)[1]));

	EXPECT_TRUE(kvmmu_wr_ok(_metadata, self->vcpu, gva + p + 8, 0x1a1a));
	EXPECT_EQ(0x1a1a, kvmmu_peek(gmem(g, p) + 1));
	EXPECT_TRUE(maps_pfn(_metadata, self->vcpu, gva + p, hpfn(g, p),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));

	EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, RD, gva + RAM_SIZE, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, WR, gva + SZ_1G - 8,
				 -ENOENT));
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, RD, gva + SZ_1G, 0));
}

/*
 * Guest-virtual addresses are 48-bit canonical: upper-half ones map like
 * any other (Linux's direct map, the very last page), distinct from the
 * lower-half one with the same low 47 bits; non-canonical ones fail with
 * -EINVAL and are no guest fault.  A guest entry may name a frame above
 * 2^48: no memslot is there.  With paging off, gpas past 48 bits have no
 * slot either.
 */
TEST_F(sp, canonical)
{
	const __u64 hi = 0xffff888000000000ULL, lo = hi & ((1ULL << 47) - 1);
	const __u64 last = 0xfffffffffffff000ULL, far = REGION(0);
	const __u64 bad[] = {
		0x0000800000000000ULL, 0xffff7ffffffff000ULL,
		0x8000000000000000ULL, 0x0001000000001000ULL,
	};
	struct guest *g = &self->g;
	__u64 p1 = data_page(_metadata, g, 1), p2 = data_page(_metadata, g, 2);
	__u64 p3 = data_page(_metadata, g, 3);
	struct kvmmu_vm_stats st0, st1;
	int vcpu = self->vcpu;
	unsigned int i;

	map(_metadata, g, self->root, hi, p1, PTE_P | PTE_RW);
	map(_metadata, g, self->root, lo, p2, URW);
	map(_metadata, g, self->root, last, p3, PTE_P | PTE_RW);
	map(_metadata, g, self->root, far, 1ULL << 50, URW);
	map(_metadata, g, self->root, far + PG, (1ULL << 52) - PG, URW);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));

	EXPECT_TRUE(page_is(_metadata, vcpu, hi, p1, 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, lo, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, last, p3, 3));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, hi + 8, 0x4141));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, last + PG - 8, 0x4343));
	EXPECT_EQ(0x4141, kvmmu_peek(gmem(g, p1) + 1));
	EXPECT_EQ(0x4343, kvmmu_peek(gmem(g, p3) + QWORDS - 1));
	EXPECT_EQ(val(2, p2 + 8), kvmmu_peek(gmem(g, p2) + 1));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, hi, hpfn(g, p1),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, last, hpfn(g, p3),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, lo, hpfn(g, p2),
			     KVMMU_TR_READABLE));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD | USR, hi, PF_P | PF_U));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, hi + PG, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, last - PG, 0));

	st0 = kvmmu_stats(_metadata, self->vm);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, bad[i], -EINVAL));
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, bad[i] + 8, -EINVAL));
	}
	/* Frames past 2^48 in the guest's entries: no slot. */
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, far, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, far + PG, -ENOENT));
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(st0.guest_faults, st1.guest_faults);

	/* Paging off: those addresses are gpas with no slot. */
	ASSERT_EQ(0, paging_off(vcpu));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, bad[0], -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, 1ULL << 50, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, lo, -ENOENT));
	EXPECT_TRUE(page_is(_metadata, vcpu, p2, p2, 2));
}

/*
 * The in-kernel workload runs on guest-virtual addresses: it writes the
 * pattern of each gva at the gpa it maps, verifies through the gvas, stops
 * at an unmapped gva, and with paging off the same addresses have no slot.
 */
TEST_F(sp, workload_gva)
{
	const unsigned int n = 64;
	const __u64 gva = REGION(0), seed = 0x5eed;
	struct guest *g = &self->g;
	__u64 d[64], off;
	struct kvmmu_run run;
	unsigned int i, bad = 0;

	for (i = 0; i < n; i++)
		d[i] = data_page(_metadata, g, 0);
	for (i = 0; i < n; i++)		/* backwards and interleaved */
		map(_metadata, g, self->root, gva + i * PG,
		    d[(n - 1 - i) ^ 5], URW);
	ASSERT_EQ(0, paging_on(self->vcpu, self->root, true));

	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, n * PG, 64,
					seed, 1, KVMMU_RUN_WRITE));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(n * PG / 64, run.accesses);
	for (i = 0; i < n; i++)
		for (off = 0; off < PG; off += 64)
			bad += kvmmu_peek(g->ram + d[(n - 1 - i) ^ 5] + off) !=
			       kvmmu_run_pattern(gva + i * PG + off, seed);
	EXPECT_EQ(0, bad) TH_LOG("%u qwords not where their gva maps", bad);

	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, n * PG, 64,
					seed, 2,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(0, run.mismatches)
		TH_LOG("first at %#llx",
		       (unsigned long long)run.first_mismatch_gpa);
	EXPECT_EQ(2 * n * PG / 64, run.accesses);

	/* One page further is unmapped: the run stops there. */
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, (n + 1) * PG,
					PG, seed, 1, KVMMU_RUN_READ));
	EXPECT_NE(0, run.error);
	EXPECT_EQ(gva + n * PG, run.error_gpa);
	TH_LOG("workload on an unmapped gva: error %d", run.error);

	ASSERT_EQ(0, paging_off(self->vcpu));
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, n * PG, 64,
					seed, 1, KVMMU_RUN_READ));
	EXPECT_EQ(-ENOENT, run.error);
	EXPECT_EQ(gva, run.error_gpa);
	ASSERT_EQ(0, paging_on(self->vcpu, self->root, true));
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, n * PG, 64,
					seed, 1,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(0, run.mismatches);
}
