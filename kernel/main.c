// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn.ko: module init and exit.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include "avpn.h"

static bool selftest = IS_ENABLED(DEBUG);
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "run the trie, replay-window, key-fingerprint and CoDel self-tests at load (default: debug builds)");

/* A failing self-test refuses to load: better no VPN than a wrong one. */
static int __init avpn_selftests(void)
{
	int ret;

	if (!selftest)
		return 0;
	ret = avpn_selftest_trie();
	if (!ret)
		ret = avpn_selftest_replay();
	if (!ret)
		ret = avpn_selftest_keyfp();
	if (!ret)
		ret = avpn_selftest_aqm();
	if (ret)
		pr_err("autovpn: self-tests FAILED\n");
	else
		pr_info("autovpn: self-tests passed\n");
	return ret ? -ENOTRECOVERABLE : 0;
}

static int __init avpn_mod_init(void)
{
	int ret;

	ret = avpn_selftests();
	if (ret)
		return ret;
	ret = avpn_queue_init();
	if (ret)
		return ret;
	ret = avpn_device_init();
	if (ret)
		goto err_queue;
	ret = avpn_genl_init();
	if (ret)
		goto err_device;
	pr_info("autovpn loaded\n");
	return 0;

err_device:
	avpn_device_uninit();
err_queue:
	avpn_queue_exit();
	return ret;
}

static void __exit avpn_mod_exit(void)
{
	/* No new requests first, then delete every device in every netns. */
	avpn_genl_uninit();
	avpn_device_uninit();
	avpn_netns_uninit();
	/* Serial works still scheduled hold peers: run them. */
	avpn_queue_exit();
	/* Packets still inside an async cipher hold keys (and peers): wait. */
	avpn_keys_wait_freed();
	/* Our call_rcu callbacks (peers, uplinks, keys) must run before the code goes. */
	rcu_barrier();
	pr_info("autovpn unloaded\n");
}

module_init(avpn_mod_init);
module_exit(avpn_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("autovpn: AES-256-GCM site-to-site VPN datapath");
MODULE_VERSION("0.1"); /* as dkms.conf and debian/changelog */
MODULE_AUTHOR("autovpn developers");
MODULE_ALIAS_RTNL_LINK(AUTOVPN_LINK_KIND);
MODULE_ALIAS_GENL_FAMILY(AUTOVPN_GENL_NAME);
