/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper on a private dbus-daemon (sd_bus_open_user() honours DBUS_SESSION_BUS_ADDRESS):
 *   notify_fake_bus OUT [UNIT-STATE]
 * Owns org.freedesktop.Notifications and appends every Notify call to OUT as lines
 * "app=...", "summary=...", "body=...", "icon=...", then "end". With UNIT-STATE it also owns
 * org.freedesktop.systemd1 and serves portcullisd.service's LoadState ("loaded", or
 * "not-found" for UNIT-STATE "not-found") and ActiveState (UNIT-STATE). Prints "ready" on
 * stdout once the names are owned, then serves until killed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-bus.h>

static FILE *out;
static const char *unit_state;

static int on_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *app, *icon, *summary, *body;
	uint32_t replaces;
	int r;

	(void)userdata;
	(void)error;
	r = sd_bus_message_read(m, "susss", &app, &replaces, &icon, &summary, &body);
	if (r < 0)
		return r;
	fprintf(out, "app=%s\nicon=%s\nsummary=%s\nbody=%s\nend\n", app, icon, summary, body);
	fflush(out);
	return sd_bus_reply_method_return(m, "u", (uint32_t)42);
}

static int get_prop(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	(void)bus;
	(void)path;
	(void)interface;
	(void)userdata;
	(void)error;
	if (!strcmp(property, "LoadState"))
		return sd_bus_message_append(
		    reply, "s", strcmp(unit_state, "not-found") ? "loaded" : "not-found");
	return sd_bus_message_append(reply, "s",
	                             strcmp(unit_state, "not-found") ? unit_state : "inactive");
}

static const sd_bus_vtable notifications_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Notify", "susssasa{sv}i", "u", on_notify, 0),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable unit_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("LoadState", "s", get_prop, 0, 0),
	SD_BUS_PROPERTY("ActiveState", "s", get_prop, 0, 0),
	SD_BUS_VTABLE_END,
};

int main(int argc, char **argv)
{
	sd_bus *bus = NULL;
	int r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s OUT [UNIT-STATE]\n", argv[0]);
		return 2;
	}
	out = fopen(argv[1], "a");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	unit_state = argc == 3 ? argv[2] : NULL;
	r = sd_bus_open_user(&bus);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/Notifications",
		                             "org.freedesktop.Notifications", notifications_vtable,
		                             NULL);
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.freedesktop.Notifications", 0);
	if (r >= 0 && unit_state) {
		r = sd_bus_add_object_vtable(bus, NULL,
		                             "/org/freedesktop/systemd1/unit/portcullisd_2eservice",
		                             "org.freedesktop.systemd1.Unit", unit_vtable, NULL);
		if (r >= 0)
			r = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0);
	}
	if (r < 0) {
		fprintf(stderr, "notify_fake_bus: %s\n", strerror(-r));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			break;
		if (r > 0)
			continue;
		r = sd_bus_wait(bus, UINT64_MAX);
		if (r < 0 && r != -EINTR)
			break;
	}
	sd_bus_flush_close_unref(bus);
	fclose(out);
	return r < 0 ? 1 : 0;
}
