/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test harness for the agent's umockdev tests: a testbed with root hub usb1, the agent (pc_agent)
 * run in-process with a policy given as text, and every event captured.
 *
 * umockdev does not create interface directories when the agent writes authorized=1 to a device;
 * h_configure() does what the kernel would: it creates the interfaces of the device's first
 * configuration (authorized=0, as interface_authorized_default=0 makes them) and sends their
 * "add" uevents.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <umockdev.h>

#include "agent/daemon/agent.h"

#define H_MAX_EVENTS 8192

struct h_event {
	enum event_type type;
	char busid[32];
	int verdict; /* -1 without a decision */
	int error;
	char message[256];
	bool audit_override;
};

struct harness {
	UMockdevTestbed *tb;
	struct agent *agent;
	char *sysdir;     /* testbed's /sys (g_free) */
	char run_dir[64]; /* temporary run dir (last-refusal) */
	const char *policy_text;
	const char *watch_path; /* policy path whose directory the agent watches (NULL = none) */
	int policy_loads;
	bool keep_current; /* loader rejects and hands back a reference to the policy in force */
	int loader_error;  /* < 0: the loader fails with it (no policy) */
	int loader_state_error; /* < 0: the loader accepts, but saving the state failed */
	bool locked_at_load;    /* h_all_buses_locked() when the loader was last called */
	bool audit;
	/* offline exceptions: key file, machine id, socket (NULL = none), seconds per minute */
	const char *exception_key_file;
	const char *machine_id;
	const char *exception_socket;
	unsigned exception_minute_sec;
	/* Every event also goes here when set (a real recorder); past H_MAX_EVENTS only here. */
	struct event_sink tee;
	unsigned n_events;
	struct h_event events[H_MAX_EVENTS];
};

/* policy_text NULL = the built-in default; these two are for reload and audit tests. */
extern const char H_POLICY_ALLOW_STORAGE[];
extern const char H_POLICY_AUDIT[];

struct harness *h_new(void);        /* testbed + root hub usb1 + drivers_probe file */
void h_start(struct harness *h);    /* agent_new + agent_start; asserts success */
int h_try_start(struct harness *h); /* agent_new (asserted) + agent_start's result */
void h_free(struct harness *h);

/* Runs the agent's loop until it has been idle for a short while. */
void h_settle(struct harness *h);

/* Adds a data-set device; returns its syspath (free()). Asserts success. */
char *h_add(struct harness *h, const char *fixture, const char *parent, const char *busid,
            bool authorized, bool configured);
/* Creates the interfaces of configuration 1 (or the fixture's active one), authorized=0. */
void h_configure(struct harness *h, const char *syspath, const char *busid, const char *fixture);

struct ts_fixture;
void h_configure_fixture(struct harness *h, const char *syspath, const char *busid,
                         const struct ts_fixture *f);
/* Creates one interface busid:cfg.number (authorized=0, optional "interface" string), "add". */
void h_add_iface(struct harness *h, const char *syspath, const char *busid, uint8_t cfg,
                 uint8_t number, uint8_t cls, uint8_t subclass, uint8_t protocol,
                 const char *string);

/* authorized of the device (iface NULL) or of interface iface ("1-2:1.0"): 0/1, -1 absent. */
int h_auth(struct harness *h, const char *syspath, const char *iface);
/* Polls (running the agent) until h_auth() == want or 5 s pass; returns the last value. */
int h_wait_auth(struct harness *h, const char *syspath, const char *iface, int want);

unsigned h_count(const struct harness *h, enum event_type type, const char *busid);
const struct h_event *h_last(const struct harness *h, enum event_type type, const char *busid);

/* Whether both defaults of every root hub under the testbed's /sys read "0". */
bool h_all_buses_locked(struct harness *h);

/* Contents of a file under the testbed's /sys ("" when missing), into buf. */
const char *h_sysfile(struct harness *h, const char *rel, char *buf, size_t size);
