/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version compatibility for kvmmu, in one place.
 *
 * Kbuild force-includes this header into every kvmmu object and defines
 * KVMMU_HAVE_* from probes of the target kernel's headers, so the rest of
 * the tree is written against one (the newest) kernel API and carries no
 * version checks of its own.  Probe for a feature, not a version number:
 * distributions backport.
 */
#ifndef _KVMMU_COMPAT_H
#define _KVMMU_COMPAT_H

/*
 * <kunit/visibility.h> (6.2): symbols exported only when KUnit is built, in
 * a namespace that test modules import explicitly.
 */
#ifdef KVMMU_HAVE_KUNIT_VISIBILITY
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define VISIBLE_IF_KUNIT
/* Export @symbol to test modules that import EXPORTED_FOR_KUNIT_TESTING. */
#define EXPORT_SYMBOL_IF_KUNIT(symbol) \
	EXPORT_SYMBOL_NS(symbol, EXPORTED_FOR_KUNIT_TESTING)
#else
#define VISIBLE_IF_KUNIT static
/* Without KUnit there is no test module to export to. */
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#endif

#endif /* _KVMMU_COMPAT_H */
