/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loader for the emulated devices of tests/data/descriptors/ (format: README.md there): the
 * descriptor blob of NAME.hex and the key=value lines of NAME.meta. For tests and benchmarks;
 * any test layer may link pc_desc_testdata.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/device/usb_device.h"

#define DESC_TESTDATA_MAX_KEYS 64

struct desc_testcase {
	char name[64];
	uint8_t *blob; /* owned */
	size_t len;
	unsigned n_kv;
	struct {
		char key[64];
		char value[256];
	} kv[DESC_TESTDATA_MAX_KEYS];
};

/* Loads dir/name.hex and dir/name.meta. Caller owns *ret; free with desc_testcase_free(). */
int desc_testcase_load(const char *dir, const char *name, struct desc_testcase **ret);
struct desc_testcase *desc_testcase_free(struct desc_testcase *tc);

/* Value of key, NULL when the .meta file does not have it. Borrowed. */
const char *desc_testcase_get(const struct desc_testcase *tc, const char *key);

/*
 * Names (without .hex) of every NAME.hex in dir, sorted. Caller owns *ret_names: free with
 * desc_testcase_names_free(). Returns the count.
 */
int desc_testcase_list(const char *dir, char ***ret_names);
void desc_testcase_names_free(char **names);

/*
 * Fills dev from the test case: descriptors (usb_device_set_descriptors()), manufacturer/product/
 * serial, speed, mtp_db hint and the string./compat. interface hints. Returns the result of
 * usb_device_set_descriptors(), or -EINVAL for a malformed .meta line.
 */
int desc_testcase_apply(const struct desc_testcase *tc, struct usb_device_info *dev);

/* Parses "mtp,ptp" (empty string = no kinds) into a mask. -EINVAL on an unknown name. */
int desc_kinds_parse(const char *list, usb_kind_mask *ret);

/*
 * Builds synthetic descriptor blobs for tests: desc_build_device(), then per configuration
 * desc_build_config() ... desc_build_config_end() (which fills wTotalLength and bNumInterfaces
 * from what was added). Writes past the buffer are dropped and set overflow.
 */
struct desc_builder {
	uint8_t b[USB_DESC_MAX_BYTES + 64];
	size_t n;
	size_t cfg_start;
	uint8_t cfg_ifaces;
	bool overflow;
};

void desc_build_raw(struct desc_builder *b, const uint8_t *bytes, size_t n);
void desc_build_device(struct desc_builder *b, uint16_t vid, uint16_t pid, uint8_t dev_class,
                       uint8_t num_configs);
void desc_build_config(struct desc_builder *b, uint8_t value);
void desc_build_config_end(struct desc_builder *b);
/* alt 0 of a new number counts towards bNumInterfaces */
void desc_build_iface(struct desc_builder *b, uint8_t number, uint8_t alt, uint8_t cls,
                      uint8_t subclass, uint8_t protocol);
/* type: 1 iso, 2 bulk, 3 interrupt; addr bit 7 = IN */
void desc_build_ep(struct desc_builder *b, uint8_t addr, uint8_t type);
void desc_build_iad(struct desc_builder *b, uint8_t first, uint8_t count, uint8_t cls,
                    uint8_t subclass, uint8_t protocol);
