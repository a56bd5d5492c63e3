/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in default policy, in force until a valid signed policy is installed (and whenever the
 * store has nothing better). It is policy TEXT parsed by the same loader as any file, so it obeys
 * the same rules and "portcullis policy show --builtin" can print exactly what is enforced.
 * docs/policy.md quotes it verbatim; tests/unit/check_policy_eval.c checks every kind against it.
 */
#include <string.h>

#include "policy/lang/policy.h"

/* clang-format off */
const char policy_builtin_text[] =
"# Portcullis built-in default policy: input devices, hubs, smart-card readers,\n"
"# audio, video and printers work; everything that can carry data is blocked.\n"
"version = 1;\n"
"serial = 0;\n"
"mode = \"enforce\";\n"
"default = \"block\";\n"
"# Phones with nothing allowed are still configured so that they charge.\n"
"charge_only = [ \"mtp\", \"ptp\", \"adb\", \"apple-usbmux\", \"apple-ethernet\" ];\n"
"# So are phones in USB-tethering mode (RNDIS, ECM, NCM): a device of these phone\n"
"# makers whose interfaces are all network functions. Google, Samsung, Motorola,\n"
"# LG, HTC, Sony, Huawei, Xiaomi, OnePlus, OPPO/realme, vivo, HMD/Nokia, ZTE,\n"
"# Apple, Meizu, TCL/Alcatel, MediaTek (reference phones).\n"
"charge_only_vendors = [ 0x18d1, 0x04e8, 0x22b8, 0x1004, 0x0bb4, 0x0fce, 0x12d1, 0x2717,\n"
"                        0x2a70, 0x22d9, 0x2d95, 0x2e04, 0x19d2, 0x05ac, 0x2a45, 0x1bbb,\n"
"                        0x0e8d ];\n"
"rules = (\n"
"  { id = \"builtin-block-data\";\n"
"    comment = \"storage, phones, networking, serial and unknown interfaces\";\n"
"    action = \"block\";\n"
"    kind = [ \"mass-storage\", \"mtp\", \"ptp\", \"adb\", \"apple-usbmux\", \"apple-ethernet\",\n"
"             \"network\", \"wireless\", \"serial\", \"other\" ]; },\n"
"  { id = \"builtin-allow-peripherals\";\n"
"    comment = \"keyboards, mice, hubs, smart cards, audio, video, printers\";\n"
"    action = \"allow\";\n"
"    kind = [ \"hid\", \"hub\", \"smartcard\", \"audio\", \"video\", \"printer\" ]; }\n"
");\n";
/* clang-format on */

struct policy *policy_builtin_default(void)
{
	struct policy *p = NULL;
	struct policy_error err;

	/* Cannot fail but for ENOMEM: check_policy_eval.c loads it on every test run. */
	if (policy_load_from_bytes(policy_builtin_text, strlen(policy_builtin_text),
	                           "built-in default", &p, &err) < 0)
		return NULL;
	return p;
}
