/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subcommands of the "portcullis" CLI, one file each. Each takes argv starting at its own name
 * and returns the process exit status (0 ok, 1 "no"/failed check, 2 usage error).
 */
#pragma once

int cmd_devices(int argc, char **argv);      /* cmd_devices.c */
int cmd_policy(int argc, char **argv);       /* cmd_policy.c: keygen sign verify check show test */
int cmd_policy_check(int argc, char **argv); /* cmd_policy_check.c */
int cmd_policy_generate(int argc, char **argv); /* cmd_policy_generate.c */
int cmd_policy_diff(int argc, char **argv);     /* cmd_policy_diff.c */
int cmd_log(int argc, char **argv);             /* cmd_log.c: verify show export */
int cmd_report(int argc, char **argv);          /* cmd_report.c: fleet report (html, json, text) */
int cmd_descriptor(int argc, char **argv);      /* cmd_descriptor.c: dump a descriptors blob */
int cmd_status(int argc, char **argv);          /* cmd_status.c: agent state, last refusal */
int cmd_notify(int argc, char **argv);          /* cmd_notify.c: session notifier */
int cmd_exception(int argc, char **argv);       /* cmd_exception.c: offline exceptions */
