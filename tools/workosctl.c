/* SPDX-License-Identifier: MIT */
/*
 * workosctl: the administrator's diagnostics command (workosctl(8)).
 *
 *   workosctl check [--config PATH] [--offline]
 *   workosctl login [--config PATH] [--user NAME] [--mode device|password|totp]
 *                   [--qr MODE] [--require-role LIST]
 *   workosctl account [--config PATH] [--user NAME] [--require-role LIST]
 *   workosctl user  [--config PATH] NAME
 *   workosctl audit flush [--config PATH]
 *
 * Only the command line and the config file configure it: like the PAM
 * module, it reads no environment variable of its own.
 */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: workosctl check [--config PATH] [--offline]\n"
		   "       workosctl login [--config PATH] [--user NAME] "
		   "[--mode device|password|totp]\n"
		   "                       [--qr MODE] [--require-role LIST]\n"
		   "       workosctl account [--config PATH] [--user NAME] [--require-role LIST]\n"
		   "       workosctl user [--config PATH] NAME\n"
		   "       workosctl audit flush [--config PATH]\n"
		   "       workosctl --help | --version\n");
}

int main(int argc, char **argv)
{
	enum { OPT_QR = 256, OPT_REQUIRE_ROLE, OPT_OFFLINE, OPT_MODE };
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"user", required_argument, NULL, 'u'},
	    {"qr", required_argument, NULL, OPT_QR},
	    {"require-role", required_argument, NULL, OPT_REQUIRE_ROLE},
	    {"offline", no_argument, NULL, OPT_OFFLINE},
	    {"mode", required_argument, NULL, OPT_MODE},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct ctl_opts o = {.config_path = WO_DEFAULT_CONFIG_PATH};
	const char *cmd;
	int ch;

	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("workosctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return CTL_EXIT_OK;
	}
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	cmd = argv[1];
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "c:u:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case OPT_QR:
			o.qr = optarg;
			break;
		case OPT_REQUIRE_ROLE:
			o.require_role = optarg;
			break;
		case OPT_MODE:
			o.mode = optarg;
			break;
		case OPT_OFFLINE:
			o.offline = true;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	/* Each option belongs to one command: refuse it anywhere else rather
	 * than silently ignore what the admin asked for. */
	if (strcmp(cmd, "check") == 0) {
		if (optind != argc || o.user || o.qr || o.require_role || o.mode)
			goto bad;
		return ctl_check(&o);
	}
	if (strcmp(cmd, "login") == 0) {
		if (optind != argc || o.offline)
			goto bad;
		return ctl_login(&o);
	}
	if (strcmp(cmd, "account") == 0) {
		if (optind != argc || o.offline || o.qr || o.mode)
			goto bad;
		return ctl_account(&o);
	}
	if (strcmp(cmd, "user") == 0) {
		if (optind + 1 != argc || o.user || o.qr || o.require_role || o.offline || o.mode)
			goto bad;
		o.user = argv[optind];
		return ctl_user(&o);
	}
	if (strcmp(cmd, "audit") == 0) {
		if (optind + 1 != argc || strcmp(argv[optind], "flush") != 0 || o.user || o.qr ||
		    o.require_role || o.offline || o.mode)
			goto bad;
		return ctl_audit_flush(&o);
	}
	fprintf(stderr, "workosctl: unknown command \"%s\"\n", cmd);
bad:
	usage(stderr);
	return CTL_EXIT_USAGE;
}
