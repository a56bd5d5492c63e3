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
