/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: what operators and IT type, and what the exception socket receives:
 * exc_challenge_parse(), exc_code_parse(), exc_command_parse() and exc_secret_parse() on
 * arbitrary bytes. Whatever parses must format back to a text that parses to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/exception.h"
#include "policy/trust/excode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	struct exc_challenge c, c2;
	uint8_t mac[EXC_MAC_BYTES], mac2[EXC_MAC_BYTES], secret[EXC_SECRET_MAX_BYTES];
	char text[EXC_CHALLENGE_TEXT];
	struct exc_command cmd;

	memcpy(s, data, n);
	s[n] = '\0';
	if (exc_challenge_parse(s, &c) == 0) {
		exc_challenge_format(&c, text);
		if (exc_challenge_parse(text, &c2) != 0 || memcmp(&c, &c2, sizeof(c)) != 0)
			abort();
	}
	if (exc_code_parse(s, mac) == 0) {
		char code[EXC_CODE_TEXT];
		exc_code_format(mac, code);
		if (exc_code_parse(code, mac2) != 0 || memcmp(mac, mac2, sizeof(mac)) != 0)
			abort();
	}
	if (exc_command_parse((const char *)data, size, &cmd) == 0) {
		if (cmd.type == EXC_CMD_REQUEST &&
		    (!memchr(cmd.busid, 0, sizeof(cmd.busid)) || cmd.minutes < 1 ||
		     cmd.minutes > EXC_MINUTES_MAX))
			abort();
		if (cmd.type == EXC_CMD_APPLY && !memchr(cmd.code, 0, sizeof(cmd.code)))
			abort();
	}
	int k = exc_secret_parse((const char *)data, size, secret, sizeof(secret));
	if (k >= 0 && (k < EXC_SECRET_MIN_BYTES || k > EXC_SECRET_MAX_BYTES))
		abort();
	return 0;
}
