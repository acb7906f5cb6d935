// SPDX-License-Identifier: GPL-2.0
/*
 * ppc_hv_test (#included by ppc_hv_test.c): what the guest kernel would
 * compute (the hash of an effective address, its PTEGs, the HPTE words),
 * the hypervisor calls, guest memory, and the checks of what an access
 * did.
 */

/* What the VMM puts in the qword at guest real address @gra. */
static __u64 val(unsigned int tag, __u64 gra)
{
	return 0x5bULL << 56 | (__u64)tag << 32 | gra;
}

/* ------------------------------------------------------------------ */
/* The hashed page table, as the guest computes it */

static __u64 npteg(unsigned int order)
{
	return 1ULL << (order - 7);
}

/* The hash of the page at offset @off of the segment with @vsid. */
static __u64 hash(__u64 vsid, __u64 off)
{
	return vsid ^ (vsid << 25) ^ ((off & SEG_OFF) >> 12);
}

/* The first HPTE index of @ea's primary (or secondary) PTEG. */
static __u64 pteg_of(__u64 ea, unsigned int order, bool secondary)
{
	__u64 h = hash(ea >> 40, ea);

	return ((secondary ? ~h : h) & (npteg(order) - 1)) * 8;
}

/* The same for a real-mode access to @gra, through the VRMA. */
static __u64 vrma_pteg(__u64 gra, unsigned int order, bool secondary)
{
	__u64 h = hash(KVMMU_PPC_VRMA_VSID + (gra >> 40), gra);

	return ((secondary ? ~h : h) & (npteg(order) - 1)) * 8;
}

/* v of an HPTE for @off in segment @vsid: AVPN = VPN >> 11, B = 1 TiB. */
static __u64 hpte_v_vsid(__u64 vsid, __u64 off, bool secondary)
{
	__u64 vpn = vsid << 28 | (off & SEG_OFF) >> 12;

	return ((vpn >> 11) << 7 & V_AVPN) | V_1TB | V_VALID |
	       (secondary ? V_SECONDARY : 0);
}

static __u64 hpte_v(__u64 ea, bool secondary)
{
	return hpte_v_vsid(ea >> 40, ea, secondary);
}

static __u64 hpte_r(__u64 gra, __u64 pp)
{
	return (gra & R_RPN) | R_M | pp;
}

/* ------------------------------------------------------------------ */
/* vCPU helpers */

static int set_msr(int vcpu, __u64 msr)
{
	return kvmmu_ioctl(vcpu, KVMMU_PPC_SET_MSR, &msr);
}

static __u64 get_msr(struct __test_metadata *_metadata, int vcpu)
{
	__u64 msr = 0xa5a5a5a5a5a5a5a5ULL;

	EXPECT_EQ(0, kvmmu_ioctl(vcpu, KVMMU_PPC_GET_MSR, &msr));
	return msr;
}

/* An hcall; returns the ioctl's error, or 0 with @h filled in. */
static int hcall(int vcpu, struct kvmmu_ppc_hcall *h, __u64 nr, __u64 a0,
		 __u64 a1, __u64 a2, __u64 a3)
{
	memset(h, 0, sizeof(*h));
	h->nr = nr;
	h->args[0] = a0;
	h->args[1] = a1;
	h->args[2] = a2;
	h->args[3] = a3;
	h->ret = 0x7777;	/* the kernel must overwrite it */
	return kvmmu_ioctl(vcpu, KVMMU_PPC_HCALL, h);
}

/* An hcall's H_* status (or the ioctl's -errno, which is never one). */
static long hc(int vcpu, __u64 nr, __u64 a0, __u64 a1, __u64 a2, __u64 a3,
	       __u64 *rets)
{
	struct kvmmu_ppc_hcall h;
	int r = hcall(vcpu, &h, nr, a0, a1, a2, a3);

	/* On an ioctl error, what the hcall never returned reads as ~0. */
	if (rets) {
		rets[0] = r ? ~0ULL : h.rets[0];
		rets[1] = r ? ~0ULL : h.rets[1];
	}
	if (r)
		return 1000 + r;
	return h.ret;
}

static long h_enter(int vcpu, __u64 flags, __u64 idx, __u64 v, __u64 r,
		    __u64 *used)
{
	__u64 rets[2] = { ~0ULL, ~0ULL };
	long ret = hc(vcpu, KVMMU_PPC_H_ENTER, flags, idx, v, r, rets);

	if (used)
		*used = rets[0];
	return ret;
}

static long h_read(int vcpu, __u64 idx, __u64 *v, __u64 *r)
{
	__u64 rets[2] = { ~0ULL, ~0ULL };
	long ret = hc(vcpu, KVMMU_PPC_H_READ, 0, idx, 0, 0, rets);

	*v = rets[0];
	*r = rets[1];
	return ret;
}

static long h_remove(int vcpu, __u64 idx, __u64 *rets)
{
	return hc(vcpu, KVMMU_PPC_H_REMOVE, 0, idx, 0, 0, rets);
}

/*
 * The guest maps @ea onto @gra with @pp (and @rflags): H_ENTER into any
 * free slot of the primary PTEG, else of the secondary one, as Linux's
 * hash fault handler does.  Returns the HPTE index.
 */
static __u64 map_ea(struct __test_metadata *_metadata, int vcpu,
		    unsigned int order, __u64 ea, __u64 gra, __u64 pp,
		    __u64 rflags)
{
	__u64 idx = ~0ULL;
	long ret;

	ret = h_enter(vcpu, 0, pteg_of(ea, order, false), hpte_v(ea, false),
		      hpte_r(gra, pp) | rflags, &idx);
	if (ret == KVMMU_PPC_H_PTEG_FULL)
		ret = h_enter(vcpu, 0, pteg_of(ea, order, true),
			      hpte_v(ea, true), hpte_r(gra, pp) | rflags,
			      &idx);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, ret)
		TH_LOG("H_ENTER of ea %#llx -> %#llx: %ld",
		       (unsigned long long)ea, (unsigned long long)gra, ret);
	return idx;
}

/* An access that must end in a storage interrupt with @dsisr. */
static bool dsi_is(struct __test_metadata *_metadata, int vcpu, int type,
		   __u64 addr, __u64 dsisr)
{
	return kvmmu_fault_is(_metadata, vcpu, type, addr, PF, dsisr,
			      "a storage interrupt, DSISR");
}

static struct kvmmu_translation xlate(struct __test_metadata *_metadata,
				      int vcpu, __u64 addr)
{
	struct kvmmu_translation t;

	EXPECT_EQ(0, kvmmu_translate(vcpu, addr, &t));
	return t;
}

/* @addr translates, as an access would now, to host frame @pfn. */
static bool maps_pfn(struct __test_metadata *_metadata, int vcpu, __u64 addr,
		     __u64 pfn)
{
	struct kvmmu_translation t;
	int r = kvmmu_translate(vcpu, addr, &t);

	if (!r && (t.flags & KVMMU_TR_PRESENT) && t.level == 1 &&
	    t.memtype == WIMG_M && t.pfn == pfn && pfn)
		return true;
	TH_LOG("translate %#llx: %d, flags %#x level %u memtype %u pfn %#llx, expected pfn %#llx",
	       (unsigned long long)addr, r, t.flags, t.level, t.memtype,
	       (unsigned long long)t.pfn, (unsigned long long)pfn);
	return false;
}

/* ------------------------------------------------------------------ */
/* Guest memory */

static __u64 *gmem(struct guest *g, __u64 gra)
{
	return (__u64 *)(g->ram + gra);
}

/* Fill the page at @p, guest real address @gra, with @tag. */
static void fill_ram(char *p, __u64 gra, unsigned int tag)
{
	unsigned long i;

	for (i = 0; i < QWORDS; i++)
		kvmmu_poke(p + i * 8, val(tag, gra + i * 8));
}

static void fill(struct guest *g, __u64 gra, unsigned int tag)
{
	fill_ram(g->ram + gra, gra, tag);
}

static __u64 data_page(struct __test_metadata *_metadata, struct guest *g,
		       unsigned int tag)
{
	__u64 gra = g->next_data;

	ASSERT_GT(DATA_END, gra) TH_LOG("out of data pages");
	g->next_data += PG;
	fill(g, gra, tag);
	return gra;
}

/* The host frame behind guest real address @gra (0 if none). */
static __u64 hpfn(struct guest *g, __u64 gra)
{
	return kvmmu_pfn_of(g->ram + gra);
}
