// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module: provokes the kernel-log patterns that the VM
 * harness must catch, without harming the guest. Loading always fails with
 * -EAGAIN (like tcrypt), so nothing stays loaded.
 *   mode=warn      a WARN() splat ("WARNING: CPU: ... at ...")
 *   mode=refcount  a refcount_t misuse ("refcount_t: decrement hit 0; ...")
 */
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/string.h>

static char *mode = "warn";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "warn | refcount");

static int __init avpn_vm_warn_init(void)
{
	refcount_t r = REFCOUNT_INIT(1);

	if (!strcmp(mode, "warn")) {
		WARN(1, "avpn_vm_warn: deliberate warning for the harness self-test\n");
	} else if (!strcmp(mode, "refcount")) {
		/* refcount_dec() must never drop the last reference: it warns. */
		refcount_dec(&r);
	} else {
		return -EINVAL;
	}
	return -EAGAIN;
}

module_init(avpn_vm_warn_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("autovpn VM harness self-test: provokes kernel warnings");
