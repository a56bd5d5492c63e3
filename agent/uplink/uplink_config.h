/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "uplink" group of portcullisd.conf. The file is read and parsed once, by the agent's
 * settings reader (agent/daemon/settings.c), which hands this group to uplink_config_parse_group().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct uplink_config {
	bool enabled;
	char protocol[8]; /* "relp" | "syslog" */
	char host[256];
	uint16_t port;
	bool tls;
	bool allow_plaintext;  /* tls = false is refused without it */
	char ca_file[256];     /* collector CA (PEM) */
	char cert_file[256];   /* optional client certificate */
	char key_file[256];    /* optional client key */
	char server_name[256]; /* name/IP to verify in the certificate ("" = host) */
	char user[64];         /* account the child runs as */
	uint64_t spool_max_bytes;
	unsigned heartbeat_sec; /* 0 = no heartbeat */
	/* IANA private enterprise number of the structured-data ID portcullis@N; the default,
	 * 32473, is the documentation example of RFC 5612: register your own for production */
	uint32_t enterprise_number;
};

/* The defaults: disabled, RELP over TLS, 64 MiB spool, heartbeat every 300 s. */
void uplink_config_init(struct uplink_config *ret);

/*
 * Parses the libconfig group "uplink" (a config_setting_t *, taken as void * so that this header
 * does not need libconfig's) over the defaults. Returns 0 and *ret, or -EINVAL with "line N:
 * reason" in err (*ret untouched).
 */
int uplink_config_parse_group(const void *group, struct uplink_config *ret, char *err,
                              size_t errsize);
