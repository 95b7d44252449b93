/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "secret.h"
#include "tap.h"

#define MIN_CONF     "client_id = client_01ABC\norganization_id = org_01XYZ\n"
#define MIN_CONF_LEN (sizeof(MIN_CONF) - 1)

/* Whether `role` is in a NULL-terminated list (a NULL list allows all). */
static bool in_roles(char *const *allowed, const char *role)
{
	if (allowed == NULL)
		return true;
	if (role == NULL)
		return false;
	for (; *allowed; allowed++)
		if (strcmp(*allowed, role) == 0)
			return true;
	return false;
}

static struct wo_config *parse(const char *text, struct wo_error *err)
{
	struct wo_config *cfg = NULL;

	wo_error_clear(err);
	if (wo_config_parse("test.conf", text, strlen(text), &cfg, err) != 0)
		return NULL;
	return cfg;
}

/* Expects `text` to be refused with a message containing `needle`. */
static void refused(const char *text, const char *needle, const char *why)
{
	struct wo_error err;
	struct wo_config *cfg = parse(text, &err);

	ok(cfg == NULL && err.kind == WO_ERR_CONFIG, "refused: %s", why);
	like(err.message, needle, "  message names the problem: %s", why);
	wo_config_free(cfg);
}

static void test_defaults(void)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_config *cfg = parse(MIN_CONF, &err);

	ok(cfg != NULL, "minimal config parses");
	if (cfg == NULL)
		return;
	is_str(cfg->client_id, "client_01ABC", "client_id");
	is_str(cfg->organization_id, "org_01XYZ", "organization_id");
	is_str(cfg->api_key_file, WO_CONFDIR "/api_key", "default api_key_file");
	is_str(cfg->api_hostname, "api.workos.com", "default api_hostname");
	is_int(cfg->api_port, 0, "default api_port is the scheme's");
	ok(cfg->api_https, "default api_https is true");
	ok(cfg->ca_file == NULL, "default ca_file is the system store");
	is_int(cfg->http_timeout, 10, "default http_timeout");
	is_int(cfg->username_from, WO_USERNAME_EMAIL_LOCALPART, "default username_from");
	ok(cfg->allowed_roles == NULL, "default allowed_roles is any");
	is_str(cfg->group_prefix, "workos-", "default group_prefix");
	is_str(cfg->member_group, "workos-users", "default member_group");
	is_int(cfg->uid_min, 2001000000, "default uid_min");
	is_int(cfg->uid_max, 2099999999, "default uid_max");
	is_int(cfg->gid_min, 2100000000, "default gid_min");
	is_int(cfg->gid_max, 2146999999, "default gid_max");
	is_str(cfg->home_dir, "/home/%u", "default home_dir");
	is_str(cfg->shell, "/bin/bash", "default shell");
	is_int(cfg->device_timeout, 100, "default device_timeout");
	is_int(cfg->qr, WO_QR_AUTO, "default qr");
	ok(!cfg->allow_impersonation, "default allow_impersonation is false");
	wo_config_free(cfg);
}

static void test_full(void)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_config *cfg = parse("# a comment\n"
				      "\n"
				      "  client_id=client_02\r\n"
				      "organization_id\t=\torg_02  \n"
				      "api_key_file = /etc/other/key\n"
				      "api_hostname = 127.0.0.1\n"
				      "api_port = 8443\n"
				      "api_https = false\n"
				      "ca_file = /tmp/ca.pem\n"
				      "http_timeout = 3\n"
				      "username_from = metadata:unix_name\n"
				      "allowed_roles = admin, devops ,member\n"
				      "group_prefix =\n"
				      "member_group =\n"
				      "uid_min = 300000\n"
				      "uid_max = 400000\n"
				      "gid_min = 5000\n"
				      "gid_max = 6000\n"
				      "home_dir = /srv/home/%u/100%%\n"
				      "shell = /bin/zsh\n"
				      "device_timeout = 90\n"
				      "qr = ascii\n"
				      "allow_impersonation = yes\n",
				      &err);

	ok(cfg != NULL, "every key parses (%s)", err.message);
	if (cfg == NULL)
		return;
	is_str(cfg->client_id, "client_02", "blanks and CRLF trimmed");
	is_str(cfg->organization_id, "org_02", "tabs trimmed");
	is_int(cfg->api_port, 8443, "api_port");
	ok(!cfg->api_https, "api_https false on loopback");
	is_int(cfg->http_timeout, 3, "http_timeout");
	is_int(cfg->username_from, WO_USERNAME_METADATA, "username_from metadata");
	is_str(cfg->username_metadata_key, "unix_name", "metadata key");
	is_int(cfg->n_allowed_roles, 3, "three roles");
	ok(in_roles(cfg->allowed_roles, "devops"), "devops allowed");
	ok(!in_roles(cfg->allowed_roles, "guest"), "guest not allowed");
	ok(!in_roles(cfg->allowed_roles, NULL), "no role not allowed");
	is_str(cfg->group_prefix, "", "empty group_prefix");
	ok(cfg->member_group == NULL, "member_group disabled");
	is_int(cfg->qr, WO_QR_ASCII, "qr ascii");
	ok(cfg->allow_impersonation, "allow_impersonation");
	char *home = wo_config_home_for(cfg, "ada");
	is_str(home, "/srv/home/ada/100%", "home_dir expands %%u and %%%%");
	free(home);
	wo_config_free(cfg);
}

static void test_errors(void)
{
	refused("organization_id = org_1\n", "client_id is required", "missing client_id");
	refused("client_id = client_1\n", "organization_id is required", "missing organization_id");
	refused(MIN_CONF "colour = blue\n", "test.conf:3: unknown key \"colour\"",
		"unknown key with file:line");
	refused(MIN_CONF "client_id = client_2\n", "test.conf:3: duplicate key \"client_id\"",
		"duplicate key");
	refused(MIN_CONF "just words\n", "test.conf:3: expected", "line without =");
	refused(MIN_CONF "shell =\n", "shell needs a value", "empty value");
	refused("client_id = app_1\norganization_id = org_1\n", "client_id must look like",
		"client_id prefix");
	refused("client_id = client_1\norganization_id = org_1;x\n", "organization_id",
		"organization_id characters");
	refused(MIN_CONF "api_https = false\n", "only allowed for a loopback",
		"plain HTTP to a remote host");
	refused(MIN_CONF "api_hostname = 10.0.0.1\napi_https = false\n", "loopback",
		"plain HTTP to a private address");
	refused(MIN_CONF "api_https = maybe\n", "true or false", "bad boolean");
	refused(MIN_CONF "api_port = 0\n", "api_port must be", "port 0");
	refused(MIN_CONF "api_port = 65536\n", "api_port must be", "port too big");
	refused(MIN_CONF "api_port = 80x\n", "api_port must be", "port with junk");
	refused(MIN_CONF "api_port = -1\n", "api_port must be", "negative port");
	refused(MIN_CONF "http_timeout = 0\n", "http_timeout", "zero timeout");
	refused(MIN_CONF "http_timeout = 99999999999999999999999\n", "http_timeout",
		"overflowing timeout");
	refused(MIN_CONF "api_hostname = evil.com/path\n", "api_hostname", "host with a path");
	refused(MIN_CONF "api_hostname = a b\n", "api_hostname", "host with a space");
	refused(MIN_CONF "ca_file = relative.pem\n", "absolute path", "relative ca_file");
	refused(MIN_CONF "username_from = nickname\n", "username_from must be",
		"bad username_from");
	refused(MIN_CONF "username_from = metadata:\n", "metadata:KEY", "metadata without key");
	refused(MIN_CONF "allowed_roles = admin,,dev\n", "empty role", "empty role in list");
	refused(MIN_CONF "allowed_roles = admin,\n", "empty role", "trailing comma in role list");
	refused(MIN_CONF "allowed_roles = ad min\n", "invalid role slug", "role with space");
	refused(MIN_CONF "group_prefix = Workos-\n", "group_prefix", "uppercase prefix");
	refused(MIN_CONF "member_group = 1users\n", "member_group", "bad member group");
	refused(MIN_CONF "uid_min = 999\n", "uid_min must be", "uid_min in system range");
	refused(MIN_CONF "uid_max = 4294967295\n", "uid_max must be", "uid_max = -1");
	refused(MIN_CONF "uid_min = 500000\nuid_max = 400000\n", "above uid_max",
		"uid_min above uid_max");
	refused(MIN_CONF "gid_min = 2050000000\ngid_max = 2060000000\n", "overlaps",
		"gid range inside uid range");
	refused(MIN_CONF "home_dir = /home/%n\n", "only %u and %% may follow",
		"unknown % sequence");
	refused(MIN_CONF "home_dir = home/%u\n", "absolute path", "relative home");
	refused(MIN_CONF "device_timeout = 5\n", "device_timeout", "device_timeout too small");
	refused(MIN_CONF "qr = sometimes\n", "qr must be", "bad qr");
	refused(MIN_CONF "shell = /bin/sh\x01\n", "control character", "control character");

	char big[MIN_CONF_LEN + 1100];
	memcpy(big, MIN_CONF, MIN_CONF_LEN);
	memset(big + MIN_CONF_LEN, '#', sizeof(big) - 1 - MIN_CONF_LEN);
	big[sizeof(big) - 1] = '\0';
	refused(big, "longer than", "overlong line");

	struct wo_error err;
	struct wo_config *cfg = NULL;
	ok(wo_config_parse("nul.conf", MIN_CONF "\0x", sizeof(MIN_CONF) + 1, &cfg, &err) != 0,
	   "NUL byte refused");
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	close(fd);
	return 0;
}

static void test_files(void)
{
	char dir[] = "/tmp/wo-config-XXXXXX";
	char conf[64], key[64];
	struct wo_config *cfg = NULL;
	struct wo_error err = WO_ERROR_INIT;
	char *secret = NULL;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(conf, sizeof(conf), "%s/workos.conf", dir);
	snprintf(key, sizeof(key), "%s/api_key", dir);

	char text[256];
	snprintf(text, sizeof(text), MIN_CONF "api_key_file = %s\n", key);
	write_file(conf, text, 0644);
	ok(wo_config_load(conf, &cfg, &err) == 0, "config file 0644 loads (%s)", err.message);
	ok(cfg != NULL && !wo_config_has_api_key(cfg), "no api key file yet");

	write_file(key, "sk_test_123\n", 0600);
	ok(cfg != NULL && wo_config_has_api_key(cfg), "api key file present");
	ok(cfg != NULL && wo_config_read_api_key(cfg, &secret, &err) == 0, "api key 0600 is read");
	is_str(secret, "sk_test_123", "api key trimmed of its newline");
	wo_secret_clear(&secret);
	ok(secret == NULL, "secret cleared");

	chmod(key, 0640);
	ok(wo_config_read_api_key(cfg, &secret, &err) != 0, "api key readable by group refused");
	like(err.message, "readable by group or others", "  message explains the mode");
	chmod(key, 0604);
	ok(wo_config_read_api_key(cfg, &secret, &err) != 0, "api key readable by others refused");

	write_file(key, "sk_a\nsk_b\n", 0600);
	ok(wo_config_read_api_key(cfg, &secret, &err) != 0, "two values refused");
	write_file(key, "\n  \n", 0600);
	ok(wo_config_read_api_key(cfg, &secret, &err) != 0, "empty key refused");
	like(err.message, "empty", "  message says empty");
	wo_config_free(cfg);

	chmod(conf, 0666);
	ok(wo_config_load(conf, &cfg, &err) != 0, "world-writable config refused");
	like(err.message, "writable by group or others", "  message explains the mode");
	chmod(conf, 0620);
	ok(wo_config_load(conf, &cfg, &err) != 0, "group-writable config refused");

	if (geteuid() == 0) {
		chmod(conf, 0644);
		ok(chown(conf, 65534, 65534) == 0, "chown to nobody");
		ok(wo_config_load(conf, &cfg, &err) != 0, "config owned by another user refused");
		like(err.message, "must be owned by root", "  message names the owner rule");
	}

	ok(wo_config_load("/nonexistent/workos.conf", &cfg, &err) != 0, "missing file refused");
	like(err.message, "cannot open", "  message says cannot open");

	unlink(conf);
	unlink(key);
	rmdir(dir);
}

static void test_loopback(void)
{
	ok(wo_host_is_loopback("127.0.0.1"), "127.0.0.1 is loopback");
	ok(wo_host_is_loopback("127.1.2.3"), "127.1.2.3 is loopback");
	ok(wo_host_is_loopback("::1"), "::1 is loopback");
	ok(wo_host_is_loopback("[::1]"), "[::1] is loopback");
	ok(wo_host_is_loopback("localhost"), "localhost is loopback");
	ok(!wo_host_is_loopback("128.0.0.1"), "128.0.0.1 is not");
	ok(!wo_host_is_loopback("localhost.evil.com"), "localhost.evil.com is not");
	ok(!wo_host_is_loopback("127.0.0.1.nip.io"), "127.0.0.1.nip.io is not");
	ok(!wo_host_is_loopback("::ffff:8.8.8.8"), "mapped IPv4 is not");
}

/* token_issuer (a custom auth domain's iss) and allow_totp_enrollment. */
static void test_issuer_and_enrollment(void)
{
	static const char *const good[] = {
	    "https://auth.example.com",
	    "https://auth.example.com/",
	    "https://auth.example.com:8443/user_management/client_01ABC",
	    "https://[2001:db8::1]",
	    "http://127.0.0.1:8080",
	    "http://localhost/x",
	};
	static const struct {
		const char *value, *needle;
	} bad[] = {
	    {"auth.example.com", "https:// URL"},
	    {"ftp://auth.example.com", "https:// URL"},
	    {"https://", "needs a host"},
	    {"https://:443/", "needs a host"},
	    {"https://auth example.com", "without spaces"},
	    {"https://auth.example.com/?x=1", "query"},
	    {"https://auth.example.com/#top", "fragment"},
	    {"https://user@auth.example.com", "user info"},
	    {"https://auth.example.com:0", "bad port"},
	    {"https://auth.example.com:65536", "bad port"},
	    {"https://auth.example.com:44x3", "bad port"},
	    {"https://auth_example!.com", "not a host name"},
	    {"http://auth.example.com", "only for a loopback"},
	    {"https://auth.example.com/\xc3\xa9", "without spaces"},
	};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_config *cfg;
	char text[2048], longest[600];

	cfg = parse(MIN_CONF, &err);
	ok(cfg != NULL && cfg->token_issuer == NULL, "default token_issuer is unset");
	ok(cfg != NULL && !cfg->allow_totp_enrollment, "default allow_totp_enrollment is false");
	wo_config_free(cfg);

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), MIN_CONF "token_issuer = %s\n", good[i]);
		cfg = parse(text, &err);
		ok(cfg != NULL, "token_issuer = %s is accepted", good[i]);
		if (cfg == NULL)
			diag("%s", err.message);
		else
			is_str(cfg->token_issuer, good[i], "  kept as written");
		wo_config_free(cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[256];

		snprintf(text, sizeof(text), MIN_CONF "token_issuer = %s\n", bad[i].value);
		snprintf(why, sizeof(why), "token_issuer = %s", bad[i].value);
		refused(text, bad[i].needle, why);
	}
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	snprintf(text, sizeof(text), MIN_CONF "token_issuer = https://x.example/%s\n", longest);
	refused(text, "longer than", "a 600-byte token_issuer");
	refused(MIN_CONF "token_issuer =\n", "token_issuer needs a value", "an empty token_issuer");
	refused(MIN_CONF "token_issuer = https://a.example\ntoken_issuer = https://b.example\n",
		"duplicate key \"token_issuer\"", "token_issuer twice");

	cfg = parse(MIN_CONF "allow_totp_enrollment = yes\n", &err);
	ok(cfg != NULL && cfg->allow_totp_enrollment, "allow_totp_enrollment = yes");
	wo_config_free(cfg);
	cfg = parse(MIN_CONF "allow_totp_enrollment = false\n", &err);
	ok(cfg != NULL && !cfg->allow_totp_enrollment, "allow_totp_enrollment = false");
	wo_config_free(cfg);
	refused(MIN_CONF "allow_totp_enrollment = maybe\n",
		"allow_totp_enrollment must be true or false", "allow_totp_enrollment = maybe");
}

int main(void)
{
	test_issuer_and_enrollment();
	test_defaults();
	test_full();
	test_errors();
	test_files();
	test_loopback();
	return done_testing();
}
