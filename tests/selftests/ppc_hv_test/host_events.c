// SPDX-License-Identifier: GPL-2.0
/*
 * ppc_hv_test (#included by ppc_hv_test.c): several effective addresses
 * on one guest real page under MADV_DONTNEED, KSM, migration, swap, fork
 * and mprotect.
 */

/* ------------------------------------------------------------------ */
/* 3. Several effective addresses on one guest real page */

#define NEA	48

struct many {
	__u64 gra;
	__u64 ea[NEA];
	__u64 idx[NEA];		/* their HPTEs */
	__u64 model[QWORDS];
};

/*
 * NEA EAs in segments 1-4 onto @gra (and the real-mode view of it, which
 * makes a VRMA HPTE one more mapping of the page).
 */
static void many_map(struct __test_metadata *_metadata, int vcpu,
		     struct guest *g, struct many *m, __u64 gra)
{
	unsigned int i;

	m->gra = gra;
	for (i = 0; i < QWORDS; i++)
		m->model[i] = kvmmu_peek(gmem(g, gra) + i);
	for (i = 0; i < NEA; i++) {
		m->ea[i] = SEG(1 + i % 4) + ((0x10ULL + i) << 12);
		m->idx[i] = map_ea(_metadata, vcpu, 18, m->ea[i], gra,
				   PP_RW_RW, 0);
	}
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
}

/*
 * Every EA reads (a qword of its own) what the model and the process
 * hold, and so does the real-mode view; returns how many did not.
 */
static unsigned int many_check(struct __test_metadata *_metadata, int vcpu,
			       struct guest *g, struct many *m)
{
	struct kvmmu_access a[NEA];
	unsigned int i, q, bad = 0;
	__u64 proc;

	memset(a, 0, sizeof(a));
	for (i = 0; i < NEA; i++) {
		a[i].gpa = m->ea[i] + (i * 7 % QWORDS) * 8;
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	EXPECT_EQ(0, kvmmu_access_batch(vcpu, a, NEA));
	for (i = 0; i < NEA; i++) {
		q = i * 7 % QWORDS;
		proc = kvmmu_peek(gmem(g, m->gra) + q);
		if (!a[i].result && a[i].data == proc && proc == m->model[q])
			continue;
		if (bad++ < 4)
			TH_LOG("ea %#llx: result %d data %#llx, process %#llx, expected %#llx",
			       (unsigned long long)a[i].gpa, a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)proc,
			       (unsigned long long)m->model[q]);
	}
	EXPECT_EQ(0, set_msr(vcpu, 0));
	if (!kvmmu_rd_is(_metadata, vcpu, m->gra + 8 * 5, m->model[5]))
		bad++;
	EXPECT_EQ(0, set_msr(vcpu, MSR_DR));
	return bad;
}

/* EAs (and the real address) still translating; if @pfn, to another. */
static unsigned int many_present(struct __test_metadata *_metadata,
				 int vcpu, struct many *m, __u64 pfn)
{
	struct kvmmu_translation t;
	unsigned int i, n = 0;

	for (i = 0; i <= NEA; i++) {
		if (i == NEA)
			EXPECT_EQ(0, set_msr(vcpu, 0));
		t = xlate(_metadata, vcpu, i == NEA ? m->gra : m->ea[i]);
		if (!(t.flags & KVMMU_TR_PRESENT) || (pfn && t.pfn == pfn))
			continue;
		if (n++ < 2)
			TH_LOG("%s %u: pfn %#llx flags %#x",
			       i == NEA ? "real" : "ea", i,
			       (unsigned long long)t.pfn, t.flags);
	}
	EXPECT_EQ(0, set_msr(vcpu, MSR_DR));
	return n;
}

/* EAs not translating to @pfn right now. */
static unsigned int many_pfn_bad(struct __test_metadata *_metadata,
				 int vcpu, struct many *m, __u64 pfn)
{
	struct kvmmu_translation t;
	unsigned int i, bad = 0;

	for (i = 0; i < NEA; i++) {
		t = xlate(_metadata, vcpu, m->ea[i]);
		if ((t.flags & KVMMU_TR_PRESENT) && t.pfn == pfn && pfn &&
		    t.memtype == WIMG_M && t.level == 1)
			continue;
		if (bad++ < 2)
			TH_LOG("ea %u: flags %#x level %u mt %u pfn %#llx, expected %#llx",
			       i, t.flags, t.level, t.memtype,
			       (unsigned long long)t.pfn,
			       (unsigned long long)pfn);
	}
	return bad;
}

static void many_write(struct __test_metadata *_metadata, int vcpu,
		       struct many *m, unsigned int i, unsigned int q, __u64 v)
{
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, m->ea[i] + q * 8, v));
	m->model[q] = v;
}

/*
 * MADV_DONTNEED of the page makes every HPTE of it absent at once: none
 * translates, all read zero (the process's view), a write through one is
 * read through all; the guest's H_READ still shows every HPTE valid.
 */
TEST_F(hv, many_eas_dontneed)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 3), v, r;
	int vcpu = self->vcpu;
	struct many m;

	many_map(_metadata, vcpu, g, &m, gra);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gra)));

	ASSERT_EQ(0, madvise(g->ram + gra, PG, MADV_DONTNEED));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0))
		TH_LOG("HPTEs survived MADV_DONTNEED");
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_read(vcpu, m.idx[0], &v, &r));
	EXPECT_EQ(hpte_v(m.ea[0], false), v) TH_LOG("absent shown to the guest");
	EXPECT_EQ(hpte_r(gra, PP_RW_RW), r & ~(R_R | R_C));
	memset(m.model, 0, sizeof(m.model));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	many_write(_metadata, vcpu, &m, 17, 3, 0x17);
	EXPECT_EQ(0x17, kvmmu_peek(gmem(g, gra) + 3));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gra)));
	kvmmu_poke(gmem(g, gra) + 4, 0x44);
	m.model[4] = 0x44;
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	/* Twice in a row, with a real-mode access in between. */
	ASSERT_EQ(0, madvise(g->ram + gra, PG, MADV_DONTNEED));
	memset(m.model, 0, sizeof(m.model));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	ASSERT_EQ(0, madvise(g->ram + gra, PG, MADV_DONTNEED));
	many_write(_metadata, vcpu, &m, 40, 5, 0x40);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/*
 * KSM merges the page with a twin: every HPTE follows to the merged
 * frame; a guest write through one EA breaks COW for this page only and
 * every EA follows to the new copy.
 */
TEST_F_TIMEOUT(hv, many_eas_ksm, 90)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 0), twin = data_page(_metadata, g, 0);
	__u64 old, merged = 0, now;
	unsigned int ms;
	char shared[32] = "?";
	int vcpu = self->vcpu;
	struct many m;

	if (access(KVMMU_KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel");
	many_map(_metadata, vcpu, g, &m, gra);
	memcpy(g->ram + twin, g->ram + gra, PG);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	old = hpfn(g, gra);

	ASSERT_EQ(0, madvise(g->ram + gra, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(g->ram + twin, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, kvmmu_ksm_start(&self->hs, 1000, 5));
	merged = kvmmu_ksm_wait_merged(g->ram + gra, g->ram + twin, 30000,
				       shared, sizeof(shared), &ms);
	ASSERT_NE(0, merged) TH_LOG("not merged after 30 s (pages_sharing %s)",
				    shared);
	TH_LOG("merged %#llx -> %#llx after %d ms", (unsigned long long)old,
	       (unsigned long long)merged, ms);

	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, merged))
		TH_LOG("HPTEs kept a frame other than the merged one");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, merged));

	many_write(_metadata, vcpu, &m, 5, 8, 0x5555);
	now = hpfn(g, gra);
	EXPECT_NE(merged, now);
	EXPECT_EQ(merged, hpfn(g, twin));
	EXPECT_EQ(val(0, gra + 64), kvmmu_peek(gmem(g, twin) + 8));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, now))
		TH_LOG("HPTEs kept the merged frame after COW");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, now));
}

/* move_pages() to the other node: every HPTE follows. */
TEST_F(hv, many_eas_migrate)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 4), old, now;
	void *pages[1] = { g->ram + gra };
	int vcpu = self->vcpu, node = -1, status = -1, k;
	struct many m;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");
	many_map(_metadata, vcpu, g, &m, gra);
	for (k = 0; k < 2; k++) {
		EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
		old = hpfn(g, gra);
		EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, old));
		ASSERT_EQ(0, kvmmu_move_pages(1, pages, NULL, &node, 0));
		ASSERT_LE(0, node);
		node = !node;
		ASSERT_EQ(0, kvmmu_move_pages(1, pages, &node, &status, MPOL_MF_MOVE));
		ASSERT_EQ(node, status);
		now = hpfn(g, gra);
		ASSERT_NE(old, now);
		EXPECT_EQ(0, many_present(_metadata, vcpu, &m, now))
			TH_LOG("HPTEs survived the migration");
		EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
		EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, now));
		many_write(_metadata, vcpu, &m, NEA - 1 - k, 9, 0x599 + k);
		EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	}
}

/* MADV_PAGEOUT the page until it is swapped out; true if it is. */
static bool page_out(struct guest *g, __u64 gra)
{
	int pass;

	for (pass = 0; pass < 10; pass++) {
		kvmmu_lru_drain_all(g->ram + gra);
		madvise(g->ram + gra, PG, MADV_PAGEOUT);
		if (kvmmu_pagemap_raw(g->ram + gra) & KVMMU_PM_SWAP)
			return true;
	}
	return false;
}

/* Swap-out to zram and back in, by the guest and by the process. */
TEST_F_TIMEOUT(hv, many_eas_swap, 60)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 5);
	int vcpu = self->vcpu, err;
	struct many m;

	err = kvmmu_swap_on(_metadata, &self->hs);
	if (err == -ENODEV)
		SKIP(return, "no zram in this kernel or the initramfs");
	many_map(_metadata, vcpu, g, &m, gra);
	many_write(_metadata, vcpu, &m, 10, 10, 0x100);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	ASSERT_TRUE(page_out(g, gra));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0))
		TH_LOG("HPTEs survived the swap-out");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gra)));

	many_write(_metadata, vcpu, &m, 20, 11, 0x200);
	ASSERT_TRUE(page_out(g, gra));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0));
	EXPECT_EQ(0x200, kvmmu_peek(gmem(g, gra) + 11));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gra)));
}

/*
 * fork(): the page becomes copy-on-write.  A guest write through one EA
 * goes to the parent's new copy, and every other EA of the page reads
 * that copy (not the frame the child keeps); the child's memory is
 * unchanged.
 */
TEST_F(hv, many_eas_fork)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 6), before;
	int vcpu = self->vcpu, p2c[2], status;
	struct many m;
	pid_t pid;
	char c;

	many_map(_metadata, vcpu, g, &m, gra);
	many_write(_metadata, vcpu, &m, 0, 1, 0x1111);	/* writable HPTEs */
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	before = hpfn(g, gra);
	ASSERT_EQ(0, pipe(p2c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (read(p2c[0], &c, 1) != 1)
			_exit(10);
		if (kvmmu_peek(gmem(g, gra) + 1) != 0x1111 ||
		    kvmmu_peek(gmem(g, gra) + 2) != val(6, gra + 16))
			_exit(11);
		_exit(0);
	}
	many_write(_metadata, vcpu, &m, 30, 2, 0x2222);
	EXPECT_NE(before, hpfn(g, gra));
	EXPECT_EQ(0x2222, kvmmu_peek(gmem(g, gra) + 2));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, hpfn(g, gra)))
		TH_LOG("HPTEs kept the frame the child shares");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	many_write(_metadata, vcpu, &m, 31, 1, 0x3333);
	EXPECT_EQ(1, write(p2c[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("11: the child's page changed");
	close(p2c[0]);
	close(p2c[1]);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/*
 * mprotect(PROT_READ): writes through every EA fail with -EACCES (not a
 * guest DSI: the host denies it), reads work and set no C; read-write
 * again lets writes through every EA.  munmap: -EFAULT through all.
 */
TEST_F(hv, many_eas_mprotect)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 7), rets[2];
	int vcpu = self->vcpu;
	unsigned int i, bad;
	struct many m;

	many_map(_metadata, vcpu, g, &m, gra);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	many_write(_metadata, vcpu, &m, 2, 2, 0x22);
	ASSERT_EQ(0, mprotect(g->ram + gra, PG, PROT_READ));
	for (bad = 0, i = 0; i < NEA; i++) {
		hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, m.idx[i], 0, 0, rets);
		bad += !kvmmu_err_is(_metadata, vcpu, WR, m.ea[i] + 8, -EACCES);
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, rc_of(_metadata, vcpu, m.idx[7]) & R_C)
		TH_LOG("a denied write set C");
	ASSERT_EQ(0, mprotect(g->ram + gra, PG, PROT_READ | PROT_WRITE));
	many_write(_metadata, vcpu, &m, 7, 9, 0x99);
	many_write(_metadata, vcpu, &m, 8, 10, 0xaa);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	ASSERT_EQ(0, munmap(g->ram + gra, PG));
	for (bad = 0, i = 0; i < NEA; i++)
		bad += !kvmmu_err_is(_metadata, vcpu, RD, m.ea[i], -EFAULT);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0));
}
