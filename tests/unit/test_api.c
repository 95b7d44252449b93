/* SPDX-License-Identifier: MIT */
/*
 * lib/api.c, lib/device_flow.c and lib/admission.c against the WorkOS
 * emulator and its fixture (tests/emulator/fixtures/basic.json): every API
 * call with its real answers, every token fault, the password grant's error
 * kinds and their follow-up grants, cursor pagination over 250 synthetic
 * members, and the admission decisions.  TOTP codes are computed here
 * (RFC 6238 with OpenSSL), not asked from the emulator.
 */
#include "autoconfig.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "admission.h"
#include "api.h"
#include "device_flow.h"
#include "emulator_fixture.h"
#include "secret.h"
#include "tap.h"

#define SYNTHETIC   250
#define REVOKE_PATH "/user_management/sessions/revoke"

/* From the fixture. */
#define ADA_ID	     "user_01HQWM4YK0ZQQ463A0QNBXXTP1"
#define GRACE_ID     "user_01HQWM8KS0W08FT771NK0Q7RXM"
#define TESSA_ID     "user_01HQWMQ8H0ZVYR0D3R8MX0G699"
#define NICK_ID	     "user_01HQWMWRA0FW5P575VKNWMPFDF"
#define IAN_ID	     "user_01HQWNF280PN59A4KT9DBKYGF3"
#define MILA_ID	     "user_01HQWNBD205TTE80M33G9MRNQY"
#define TESSA_FACTOR "auth_factor_01HQWMS340ZVYR0D3R8MX0G699"
#define TESSA_SECRET "QSPRDFPHZNJLIZHOPLQZ7QRJRRA66MIE"
#define SAM_CONN     "conn_01HQWMHRR0X5Q05P74FWN7R0XY"
/* Members of the main organization in the fixture: 10 active, ian
 * inactive, paula pending. */
#define MAIN_ACTIVE 10
#define MAIN_ALL    12

static struct emu emu;

/* --- TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) ----------------------- */

static size_t base32_decode(const char *in, unsigned char *out, size_t size)
{
	unsigned buf = 0, bits = 0;
	size_t n = 0;

	for (; *in && *in != '='; in++) {
		const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
		const char *p = strchr(alpha, *in >= 'a' && *in <= 'z' ? *in - 32 : *in);
		if (p == NULL)
			return 0;
		buf = (buf << 5) | (unsigned)(p - alpha);
		bits += 5;
		if (bits >= 8) {
			if (n >= size)
				return 0;
			out[n++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
		}
	}
	return n;
}

static void totp_at(const char *secret, long long step, char code[7])
{
	unsigned char key[64], msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;
	size_t key_len = base32_decode(secret, key, sizeof(key));
	unsigned off, value;

	for (int i = 7; i >= 0; i--, step >>= 8)
		msg[i] = (unsigned char)(step & 0xff);
	HMAC(EVP_sha1(), key, (int)key_len, msg, sizeof(msg), mac, &mac_len);
	off = mac[mac_len - 1] & 0x0f;
	value = ((unsigned)(mac[off] & 0x7f) << 24) | ((unsigned)mac[off + 1] << 16) |
		((unsigned)mac[off + 2] << 8) | mac[off + 3];
	snprintf(code, 7, "%06u", value % 1000000);
}

static long long totp_step(void)
{
	return (long long)(time(NULL) / 30);
}

/* Waits out the end of a 30 s step so that a short sequence of codes for
 * steps s-1, s, s+1 all stay within the emulator's one-step drift. */
static void totp_settle(void)
{
	while (time(NULL) % 30 >= 25)
		usleep(200 * 1000);
}

/* A six-digit code that is none of the codes around now. */
static void totp_wrong(const char *secret, char code[7])
{
	char near[3][7];
	long long s = totp_step();

	for (int i = 0; i < 3; i++)
		totp_at(secret, s - 1 + i, near[i]);
	for (unsigned v = 0;; v++) {
		snprintf(code, 7, "%06u", v * 7919 % 1000000);
		if (strcmp(code, near[0]) && strcmp(code, near[1]) && strcmp(code, near[2]))
			return;
	}
}

/* --- helpers ------------------------------------------------------------------ */

struct cli {
	struct wo_config *cfg;
	struct wo_client *c;
};

static bool open_cli(struct cli *k, const char *extra, enum wo_client_key key)
{
	struct wo_error err = WO_ERROR_INIT;

	k->cfg = emu_config(&emu, extra);
	if (wo_client_new(k->cfg, key, &k->c, &err) != 0) {
		diag("wo_client_new: %s", err.message);
		wo_config_free(k->cfg);
		k->cfg = NULL;
		return false;
	}
	return true;
}

static void close_cli(struct cli *k)
{
	wo_client_free(k->c);
	wo_config_free(k->cfg);
	memset(k, 0, sizeof(*k));
}

/* A device-flow login approved by `user` (email) for the main
 * organization: authorize, approve through the control port, poll. */
static int device_auth(struct cli *k, const char *user, struct wo_authentication *auth,
		       struct wo_error *err)
{
	struct wo_device_authorization da;
	enum wo_poll_result r;

	memset(auth, 0, sizeof(*auth));
	if (wo_api_authorize_device(k->c, &da, err) != 0)
		return -1;
	if (!emu_ctl(&emu, "approve", "{\"code\":\"%s\",\"user\":\"%s\"}", da.user_code, user)) {
		wo_device_authorization_clear(&da);
		return wo_error_set(err, WO_ERR_SYSTEM, "control approve failed");
	}
	r = wo_api_poll_device(k->c, da.device_code, auth, err);
	wo_device_authorization_clear(&da);
	return r == WO_POLL_APPROVED ? 0 : -1;
}

/* --- device authorization -------------------------------------------------------- */

static void test_device_poll(void)
{
	struct cli k;
	struct wo_device_authorization da;
	struct wo_authentication auth;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_jwt_claims claims;
	enum wo_poll_result r;

	emu_reset(&emu);
	emu_ctl(&emu, "device-settings", "{\"interval\":1,\"expires_in\":600}");
	if (!ok(open_cli(&k, NULL, WO_KEY_NONE), "public client (no API key)"))
		return;
	ok(!wo_client_has_api_key(k.c), "  has no API key");
	ok(wo_api_authorize_device(k.c, &da, &err) == 0, "authorize device (%s)", err.message);
	ok(da.device_code != NULL && da.user_code != NULL && strlen(da.user_code) == 9,
	   "  device code and ABCD-EFGH user code");
	ok(da.verification_uri != NULL && strncmp(da.verification_uri, "https://", 8) == 0,
	   "  verification_uri %s", da.verification_uri ? da.verification_uri : "(null)");
	like(da.verification_uri_complete, da.user_code, "  complete URI carries the user code");
	is_int(da.interval, 1, "  interval as set");
	is_int(da.expires_in, 600, "  expires_in as set");

	r = wo_api_poll_device(k.c, da.device_code, &auth, &err);
	is_int(r, WO_POLL_PENDING, "first poll: pending");
	r = wo_api_poll_device(k.c, da.device_code, &auth, &err);
	is_int(r, WO_POLL_SLOW_DOWN, "polling again at once: slow_down");
	ok(emu_ctl(&emu, "deny", "{\"code\":\"%s\"}", da.user_code), "control: deny");
	r = wo_api_poll_device(k.c, da.device_code, &auth, &err);
	is_int(r, WO_POLL_DENIED, "denied code: denied");
	wo_device_authorization_clear(&da);
	ok(da.device_code == NULL && da.user_code == NULL, "clear leaves it zeroed");

	wo_api_authorize_device(k.c, &da, &err);
	ok(emu_ctl(&emu, "expire", "{\"code\":\"%s\"}", da.user_code), "control: expire");
	r = wo_api_poll_device(k.c, da.device_code, &auth, &err);
	is_int(r, WO_POLL_EXPIRED, "expired code: expired");
	wo_device_authorization_clear(&da);

	emu_ctl(&emu, "device-settings", "{\"expires_in\":1}");
	wo_api_authorize_device(k.c, &da, &err);
	is_int(da.expires_in, 1, "code that lives 1 s");
	usleep(1200 * 1000);
	r = wo_api_poll_device(k.c, da.device_code, &auth, &err);
	is_int(r, WO_POLL_EXPIRED, "  is expired after 1.2 s");
	wo_device_authorization_clear(&da);
	emu_ctl(&emu, "device-settings", "{\"expires_in\":600}");

	wo_api_authorize_device(k.c, &da, &err);
	ok(emu_ctl(&emu, "approve", "{\"code\":\"%s\",\"user\":\"ada@example.com\"}", da.user_code),
	   "control: approve as ada");
	r = wo_api_poll_device(k.c, da.device_code, &auth, &err);
	is_int(r, WO_POLL_APPROVED, "approved code: approved (%s)", err.message);
	is_str(auth.user.id, ADA_ID, "  user is ada");
	is_str(auth.user.email, "ada@example.com", "  with her email");
	ok(auth.user.email_verified, "  verified");
	is_str(auth.user.first_name, "Ada", "  first name");
	is_str(auth.organization_id, emu.org_id, "  organization is the main one");
	ok(auth.access_token != NULL && auth.refresh_token != NULL, "  tokens present");
	ok(auth.impersonator == NULL, "  not impersonated");
	ok(wo_api_verify_access_token(k.c, auth.access_token, ADA_ID, &claims, &err) == 0,
	   "access token verifies (%s)", err.message);
	is_str(claims.sub, ADA_ID, "  sub");
	is_str(claims.org_id, emu.org_id, "  org_id");
	is_str(claims.role, "admin", "  role admin");
	ok(claims.sid != NULL && strncmp(claims.sid, "session_", 8) == 0, "  sid");
	ok(!claims.impersonated, "  no act claim");
	wo_jwt_claims_clear(&claims);
	ok(wo_api_verify_access_token(k.c, auth.access_token, GRACE_ID, &claims, &err) != 0,
	   "  but not as grace's");
	is_int(err.kind, WO_ERR_TOKEN, "  WO_ERR_TOKEN");
	wo_authentication_clear(&auth);

	r = wo_api_poll_device(k.c, da.device_code, &auth, &err);
	is_int(r, WO_POLL_FAILED, "a used device code fails");
	is_str(err.code, "invalid_grant", "  with invalid_grant");
	wo_device_authorization_clear(&da);
	close_cli(&k);
}

/* The CLI-auth docs' success body (no user): the identity is the verified
 * token's sub, checked with user_id NULL.  And token_issuer: a custom auth
 * domain's iss is accepted only when configured. */
static void test_docs_body_and_issuer(void)
{
	struct cli k, plain;
	struct wo_authentication auth;
	struct wo_jwt_claims claims = {0};
	struct wo_error err = WO_ERROR_INIT;

	if (!open_cli(&k, "token_issuer = https://auth.example.com\n", WO_KEY_NONE) ||
	    !open_cli(&plain, NULL, WO_KEY_NONE))
		emu_bail("cannot open clients");
	emu_ctl(&emu, "device-settings", "{\"interval\":1}");
	ok(emu_ctl(&emu, "settings", "{\"device_docs_body\":1}"), "control: the docs' body");
	ok(device_auth(&k, "grace@example.com", &auth, &err) == 0,
	   "a device login answered with the docs' minimal body is approved (%s)", err.message);
	ok(auth.user.id == NULL && auth.organization_id == NULL, "  no user, no organization_id");
	ok(auth.access_token != NULL && auth.refresh_token != NULL, "  tokens present");
	ok(wo_api_verify_access_token(k.c, auth.access_token, NULL, &claims, &err) == 0,
	   "  the token verifies with user_id NULL (%s)", err.message);
	is_str(claims.sub, GRACE_ID, "  and its sub is grace: the identity to compare");
	is_str(claims.org_id, emu.org_id, "  org_id still checked");
	wo_jwt_claims_clear(&claims);
	ok(wo_api_verify_access_token(k.c, auth.access_token, ADA_ID, &claims, &err) != 0,
	   "  a given user_id is still compared");
	wo_authentication_clear(&auth);
	emu_ctl(&emu, "settings", "{\"device_docs_body\":0}");

	ok(emu_ctl(&emu, "token-issuer", "{\"issuer\":\"https://auth.example.com\"}"),
	   "control: tokens issued by the custom auth domain");
	ok(device_auth(&k, "ada@example.com", &auth, &err) == 0, "device login (%s)", err.message);
	ok(wo_api_verify_access_token(k.c, auth.access_token, ADA_ID, &claims, &err) == 0,
	   "iss = the configured token_issuer is accepted (%s)", err.message);
	is_str(claims.iss, "https://auth.example.com", "  iss");
	wo_jwt_claims_clear(&claims);
	ok(wo_api_verify_access_token(plain.c, auth.access_token, ADA_ID, &claims, &err) != 0 &&
	       err.kind == WO_ERR_TOKEN,
	   "  without token_issuer the same token is refused");
	like(err.message, "issuer", "  for its issuer");
	wo_authentication_clear(&auth);

	emu_ctl(&emu, "token-issuer", "{\"issuer\":\"https://auth.example.com/\"}");
	ok(device_auth(&k, "ada@example.com", &auth, &err) == 0 &&
	       wo_api_verify_access_token(k.c, auth.access_token, ADA_ID, &claims, &err) == 0,
	   "  with a trailing slash too");
	wo_jwt_claims_clear(&claims);
	wo_authentication_clear(&auth);

	emu_ctl(&emu, "token-issuer", "{\"issuer\":\"https://evil.example.com\"}");
	ok(device_auth(&k, "ada@example.com", &auth, &err) == 0, "device login (%s)", err.message);
	ok(wo_api_verify_access_token(k.c, auth.access_token, ADA_ID, &claims, &err) != 0 &&
	       err.kind == WO_ERR_TOKEN,
	   "another unknown iss is refused");
	like(err.message, "issuer", "  for its issuer");
	wo_authentication_clear(&auth);
	emu_ctl(&emu, "token-issuer", "{\"issuer\":\"off\"}");
	ok(device_auth(&k, "ada@example.com", &auth, &err) == 0 &&
	       wo_api_verify_access_token(k.c, auth.access_token, ADA_ID, &claims, &err) == 0,
	   "with token_issuer set, the API's own issuer is still accepted");
	wo_jwt_claims_clear(&claims);
	wo_authentication_clear(&auth);
	emu_ctl(&emu, "device-settings", "{\"interval\":5}");
	close_cli(&k);
	close_cli(&plain);
}

/* --- token faults ------------------------------------------------------------------ */

static void test_token_faults(void)
{
	static const char *const bad[] = {"unknown-kid", "bad-signature", "expired", "wrong-org",
					  "wrong-sub",	 "alg-none",	  "hs256",   NULL};
	struct cli k;
	struct wo_authentication auth;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_jwt_claims claims;

	emu_reset(&emu);
	if (!open_cli(&k, NULL, WO_KEY_NONE))
		return;
	for (int i = 0; bad[i]; i++) {
		emu_ctl(&emu, "token-fault", "{\"mode\":\"%s\"}", bad[i]);
		if (device_auth(&k, "ada@example.com", &auth, &err) != 0) {
			ok(0, "login for token fault %s (%s)", bad[i], err.message);
			continue;
		}
		ok(wo_api_verify_access_token(k.c, auth.access_token, ADA_ID, &claims, &err) != 0,
		   "token fault %s: refused", bad[i]);
		is_int(err.kind, WO_ERR_TOKEN, "  as WO_ERR_TOKEN (%s)", err.message);
		wo_authentication_clear(&auth);
	}

	emu_ctl(&emu, "token-fault", "{\"mode\":\"impersonated\"}");
	if (device_auth(&k, "ada@example.com", &auth, &err) == 0) {
		ok(auth.impersonator != NULL, "impersonated: the answer names an impersonator");
		is_str(auth.impersonator ? auth.impersonator->email : NULL,
		       "support-admin@example.com", "  by email");
		ok(auth.impersonator && auth.impersonator->reason != NULL, "  with a reason");
		is_str(auth.authentication_method, "Impersonation", "  method Impersonation");
		ok(wo_api_verify_access_token(k.c, auth.access_token, ADA_ID, &claims, &err) == 0,
		   "  the token itself verifies (%s)", err.message);
		ok(claims.impersonated, "  with impersonated set from act");
		is_str(claims.act_sub, "support-admin@example.com", "  act.sub");
		wo_jwt_claims_clear(&claims);
		wo_authentication_clear(&auth);
	} else {
		ok(0, "impersonated login (%s)", err.message);
	}
	emu_ctl(&emu, "token-fault", "{\"mode\":\"off\"}");
	close_cli(&k);
}

/* --- password grant and its follow-ups ------------------------------------------------ */

static int password(struct cli *k, const char *email, const char *pw,
		    struct wo_authentication *auth, struct wo_api_error *ae, struct wo_error *err)
{
	memset(ae, 0, sizeof(*ae));
	wo_error_clear(err);
	return wo_api_authenticate_password(k->c, email, pw, auth, ae, err);
}

static void test_password(void)
{
	struct cli k;
	struct wo_authentication auth;
	struct wo_api_error ae;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_jwt_claims claims;
	struct wo_challenge ch;
	char code[7], wrong[7];

	emu_reset(&emu);
	if (!ok(open_cli(&k, NULL, WO_KEY_REQUIRED), "confidential client (API key)"))
		return;

	ok(password(&k, "ada@example.com", "ada-correct-horse", &auth, &ae, &err) == 0,
	   "password grant for ada (%s)", err.message);
	is_str(auth.user.id, ADA_ID, "  user ada");
	is_str(auth.authentication_method, "Password", "  method Password");
	ok(wo_api_verify_access_token(k.c, auth.access_token, ADA_ID, &claims, &err) == 0,
	   "  token verifies (%s)", err.message);
	wo_jwt_claims_clear(&claims);
	wo_authentication_clear(&auth);
	wo_api_error_clear(&ae);

	ok(password(&k, "ada@example.com", "wrong", &auth, &ae, &err) != 0, "wrong password");
	is_int(err.kind, WO_ERR_API, "  WO_ERR_API");
	is_str(err.code, "invalid_credentials", "  invalid_credentials");
	is_int(err.http_status, 400, "  HTTP 400");
	is_str(ae.code, "invalid_credentials", "  decoded body has the code");
	ok(auth.access_token == NULL, "  no token");
	wo_api_error_clear(&ae);

	ok(password(&k, "nobody@example.com", "x", &auth, &ae, &err) != 0, "unknown email");
	is_str(err.code, "invalid_credentials", "  invalid_credentials too");
	wo_api_error_clear(&ae);

	ok(password(&k, "nick@example.com", "nick-needs-mfa", &auth, &ae, &err) != 0,
	   "nick: MFA required, nothing enrolled");
	is_str(err.code, "mfa_enrollment", "  mfa_enrollment");
	is_int(err.http_status, 403, "  HTTP 403");
	ok(ae.pending_authentication_token != NULL, "  with a pending token");
	is_str(ae.user ? ae.user->id : NULL, NICK_ID, "  and the user");
	wo_api_error_clear(&ae);

	ok(password(&k, "ursula@example.com", "ursula-unverified-1", &auth, &ae, &err) != 0,
	   "ursula: email not verified");
	is_str(err.code, "email_verification_required", "  email_verification_required");
	is_str(ae.email, "ursula@example.com", "  with the email");
	ok(ae.email_verification_id != NULL &&
	       strncmp(ae.email_verification_id, "email_verification_", 19) == 0,
	   "  an email_verification_id");
	ok(ae.pending_authentication_token != NULL, "  and a pending token");
	wo_api_error_clear(&ae);

	ok(password(&k, "sam@example.com", "anything", &auth, &ae, &err) != 0, "sam: SSO only");
	is_str(err.code, "sso_required", "  sso_required");
	is_int(ae.connection_id_count, 1, "  one connection id");
	is_str(ae.connection_id_count ? ae.connection_ids[0] : NULL, SAM_CONN,
	       "  sam's connection");
	is_str(ae.email, "sam@example.com", "  with the email");
	wo_api_error_clear(&ae);

	/* grace: two organizations, then selection. */
	ok(password(&k, "grace@example.com", "grace-battery-staple", &auth, &ae, &err) != 0,
	   "grace: member of two organizations");
	is_str(err.code, "organization_selection_required", "  organization_selection_required");
	is_int(ae.organization_count, 2, "  two organizations listed");
	{
		bool main_seen = false, other_seen = false;
		for (size_t i = 0; i < ae.organization_count; i++) {
			main_seen |= strcmp(ae.organizations[i].id, emu.org_id) == 0;
			other_seen |= strcmp(ae.organizations[i].id, emu.other_org_id) == 0;
			ok(ae.organizations[i].name != NULL, "  organization %zu has a name", i);
		}
		ok(main_seen && other_seen, "  the main and the other organization");
	}
	if (ae.pending_authentication_token != NULL) {
		struct wo_api_error ae2 = {0};
		char *pending = strdup(ae.pending_authentication_token);

		ok(wo_api_authenticate_organization(k.c, pending, "org_01HZZZZZZZZZZZZZZZZZZZZZZZ",
						    &auth, &ae2, &err) != 0,
		   "selecting an organization that does not exist fails");
		is_str(err.code, "invalid_organization_id", "  invalid_organization_id");
		wo_api_error_clear(&ae2);
		ok(wo_api_authenticate_organization(k.c, pending, emu.org_id, &auth, &ae2, &err) ==
		       0,
		   "selecting the main organization (%s)", err.message);
		is_str(auth.organization_id, emu.org_id, "  token for the main organization");
		is_str(auth.user.id, GRACE_ID, "  user grace");
		ok(wo_api_verify_access_token(k.c, auth.access_token, GRACE_ID, &claims, &err) == 0,
		   "  token verifies (%s)", err.message);
		is_str(claims.role, "developer", "  role developer");
		wo_jwt_claims_clear(&claims);
		wo_authentication_clear(&auth);
		wo_api_error_clear(&ae2);
		ok(wo_api_authenticate_organization(k.c, pending, emu.org_id, &auth, &ae2, &err) !=
		       0,
		   "the pending token is good once");
		is_str(err.code, "invalid_pending_authentication_token",
		       "  invalid_pending_authentication_token");
		wo_api_error_clear(&ae2);
		free(pending);
	}
	wo_api_error_clear(&ae);

	/* tessa: TOTP challenge through the grant. */
	totp_settle();
	ok(password(&k, "tessa@example.com", "tessa-otp-pass", &auth, &ae, &err) != 0,
	   "tessa: TOTP enrolled");
	is_str(err.code, "mfa_challenge", "  mfa_challenge");
	is_int(ae.authentication_factor_count, 1, "  one factor");
	if (ae.authentication_factor_count == 1) {
		is_str(ae.authentication_factors[0].id, TESSA_FACTOR, "  tessa's factor");
		is_str(ae.authentication_factors[0].type, "totp", "  of type totp");
	}
	is_str(ae.user ? ae.user->id : NULL, TESSA_ID, "  and the user");
	if (ae.pending_authentication_token != NULL && ae.authentication_factor_count == 1) {
		struct wo_api_error ae2 = {0};

		ok(wo_api_challenge_factor(k.c, TESSA_FACTOR, &ch, &err) == 0,
		   "challenge the factor (%s)", err.message);
		ok(ch.id && strncmp(ch.id, "auth_challenge_", 15) == 0, "  challenge id");
		is_str(ch.authentication_factor_id, TESSA_FACTOR, "  for the factor");
		totp_wrong(TESSA_SECRET, wrong);
		ok(wo_api_authenticate_totp(k.c, ae.pending_authentication_token, ch.id, wrong,
					    &auth, &ae2, &err) != 0,
		   "TOTP grant with a wrong code fails");
		is_str(err.code, "invalid_one_time_code", "  invalid_one_time_code");
		wo_api_error_clear(&ae2);
		totp_at(TESSA_SECRET, totp_step(), code);
		ok(wo_api_authenticate_totp(k.c, ae.pending_authentication_token, ch.id, code,
					    &auth, &ae2, &err) == 0,
		   "TOTP grant with the right code (%s)", err.message);
		is_str(auth.user.id, TESSA_ID, "  user tessa");
		is_str(auth.organization_id, emu.org_id, "  in the main organization");
		ok(wo_api_verify_access_token(k.c, auth.access_token, TESSA_ID, &claims, &err) == 0,
		   "  token verifies (%s)", err.message);
		wo_jwt_claims_clear(&claims);
		wo_authentication_clear(&auth);
		wo_api_error_clear(&ae2);
		wo_challenge_clear(&ch);
	}
	wo_api_error_clear(&ae);
	close_cli(&k);
}

/* --- MFA API ------------------------------------------------------------------------- */

static void test_mfa(void)
{
	struct cli k;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_challenge ch;
	struct wo_verification v;
	struct wo_enrollment en;
	struct wo_factor_list fl;
	char code[7], wrong[7];

	emu_reset(&emu);
	if (!open_cli(&k, NULL, WO_KEY_REQUIRED))
		return;
	totp_settle();
	ok(wo_api_challenge_factor(k.c, TESSA_FACTOR, &ch, &err) == 0, "challenge (%s)",
	   err.message);
	totp_wrong(TESSA_SECRET, wrong);
	ok(wo_api_verify_challenge(k.c, ch.id, wrong, &v, &err) == 0, "verify a wrong code (%s)",
	   err.message);
	ok(!v.valid, "  valid = false");
	is_str(v.challenge.id, ch.id, "  for the challenge");
	wo_verification_clear(&v);
	totp_at(TESSA_SECRET, totp_step(), code);
	ok(wo_api_verify_challenge(k.c, ch.id, code, &v, &err) == 0, "verify the right code");
	ok(v.valid, "  valid = true");
	wo_verification_clear(&v);
	ok(wo_api_verify_challenge(k.c, ch.id, code, &v, &err) != 0,
	   "verifying a verified challenge again fails");
	is_str(err.code, "authentication_challenge_previously_verified", "  previously verified");
	wo_challenge_clear(&ch);

	ok(wo_api_challenge_factor(k.c, "auth_factor_01HZZZZZZZZZZZZZZZZZZZZZZZ", &ch, &err) != 0,
	   "challenge of an unknown factor fails");
	is_int(err.http_status, 404, "  404");
	is_str(err.code, "entity_not_found", "  entity_not_found");

	ok(wo_api_enroll_totp(k.c, NICK_ID, "pam_workos", "nick", &en, &err) == 0,
	   "enroll TOTP for nick (%s)", err.message);
	ok(en.factor.id && strncmp(en.factor.id, "auth_factor_", 12) == 0, "  factor id");
	is_str(en.factor.type, "totp", "  type totp");
	is_str(en.factor.totp_issuer, "pam_workos", "  issuer as asked");
	is_str(en.factor.totp_user, "nick", "  user as asked");
	ok(en.totp_secret != NULL && strlen(en.totp_secret) >= 16, "  a secret");
	ok(en.totp_uri != NULL && strncmp(en.totp_uri, "otpauth://totp/", 15) == 0,
	   "  an otpauth URI");
	ok(en.challenge_id && strncmp(en.challenge_id, "auth_challenge_", 15) == 0,
	   "  and a challenge");
	if (en.totp_secret != NULL && en.challenge_id != NULL) {
		totp_at(en.totp_secret, totp_step(), code);
		ok(wo_api_verify_challenge(k.c, en.challenge_id, code, &v, &err) == 0 && v.valid,
		   "  the enrollment challenge verifies with a code from the secret");
		wo_verification_clear(&v);
	}
	ok(wo_api_list_factors(k.c, NICK_ID, &fl, &err) == 0, "list nick's factors (%s)",
	   err.message);
	is_int(fl.count, 1, "  one factor");
	is_str(fl.count ? fl.items[0].id : NULL, en.factor.id, "  the enrolled one");
	wo_factor_list_clear(&fl);
	wo_enrollment_clear(&en);

	ok(wo_api_list_factors(k.c, TESSA_ID, &fl, &err) == 0, "list tessa's factors");
	is_int(fl.count, 1, "  one factor");
	is_str(fl.count ? fl.items[0].id : NULL, TESSA_FACTOR, "  the fixture's");
	is_str(fl.count ? fl.items[0].type : NULL, "totp", "  totp");
	ok(fl.list_metadata.after == NULL, "  no next page");
	wo_factor_list_clear(&fl);
	ok(wo_api_list_factors(k.c, ADA_ID, &fl, &err) == 0 && fl.count == 0,
	   "ada has no factors (%s)", err.message);
	wo_factor_list_clear(&fl);
	close_cli(&k);
}

/* --- directory ------------------------------------------------------------------------- */

static void test_directory(void)
{
	struct cli k;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_user u;
	struct wo_organization o;

	emu_reset(&emu);
	if (!open_cli(&k, NULL, WO_KEY_REQUIRED))
		return;
	ok(wo_api_get_user(k.c, MILA_ID, &u, &err) == 0, "get user mila (%s)", err.message);
	is_str(u.email, "mila@example.com", "  email");
	is_str(u.external_id, "emp-1001", "  external_id");
	is_str(wo_user_metadata(&u, "uid"), "2001001234", "  metadata uid");
	is_str(wo_user_metadata(&u, "department"), "ops", "  metadata department");
	is_str(u.last_name, "Metadata", "  last name");
	wo_user_clear(&u);
	ok(wo_api_get_user(k.c, "user_01HZZZZZZZZZZZZZZZZZZZZZZZ", &u, &err) != 0,
	   "unknown user fails");
	is_int(err.http_status, 404, "  404");
	ok(wo_api_get_user(k.c, "../organizations/x", &u, &err) != 0,
	   "a user id with a slash stays one path segment");
	is_int(err.http_status, 404, "  404, not another endpoint");

	ok(wo_api_get_organization(k.c, emu.org_id, &o, &err) == 0, "get organization (%s)",
	   err.message);
	is_str(o.id, emu.org_id, "  id");
	is_str(o.name, "Example Corp", "  name");
	wo_organization_clear(&o);
	close_cli(&k);
}

static void test_pagination(void)
{
	struct cli k;
	struct wo_error err = WO_ERROR_INIT;
	char *after = NULL;
	size_t total = 0, pages = 0, dup = 0;
	char **seen = NULL;
	bool bounded = true, ordered = true;

	emu_reset(&emu);
	if (!open_cli(&k, NULL, WO_KEY_REQUIRED))
		return;
	do {
		struct wo_user_list l;
		if (wo_api_list_users(k.c, emu.org_id, after, &l, &err) != 0) {
			ok(0, "list users page %zu (%s)", pages, err.message);
			break;
		}
		pages++;
		bounded &= l.count <= 100;
		seen = realloc(seen, (total + l.count) * sizeof(*seen));
		for (size_t i = 0; i < l.count; i++) {
			for (size_t j = 0; j < total; j++)
				if (strcmp(seen[j], l.items[i].id) == 0)
					dup++;
			if (total > 0 && strcmp(seen[total - 1], l.items[i].id) >= 0)
				ordered = false;
			seen[total++] = strdup(l.items[i].id);
		}
		free(after);
		after = l.list_metadata.after ? strdup(l.list_metadata.after) : NULL;
		wo_user_list_clear(&l);
	} while (after != NULL && pages < 20);
	is_int(total, MAIN_ALL + SYNTHETIC, "users of the organization, every page walked");
	is_int(pages, 3, "  in three pages of limit=100");
	ok(bounded, "  no page over 100");
	is_int(dup, 0, "  no user twice");
	ok(ordered, "  ascending ids across pages");
	for (size_t i = 0; i < total; i++)
		free(seen[i]);
	free(seen);
	free(after);
	after = NULL;

	for (int pass = 0; pass < 2; pass++) {
		const char *statuses = pass ? "active,inactive,pending" : NULL;
		size_t n = 0, inactive = 0;
		pages = 0;
		do {
			struct wo_membership_list l;
			if (wo_api_list_memberships(k.c, emu.org_id, NULL, statuses, after, &l,
						    &err) != 0) {
				ok(0, "list memberships (%s)", err.message);
				break;
			}
			pages++;
			for (size_t i = 0; i < l.count; i++) {
				if (!wo_membership_is_active(&l.items[i]))
					inactive++;
				if (l.items[i].role_count == 0 || l.items[i].roles[0] == NULL)
					inactive += 1000; /* "never empty" broken */
			}
			n += l.count;
			free(after);
			after = l.list_metadata.after ? strdup(l.list_metadata.after) : NULL;
			wo_membership_list_clear(&l);
		} while (after != NULL && pages < 20);
		if (pass == 0) {
			is_int(n, MAIN_ACTIVE + SYNTHETIC, "active memberships, every page walked");
			is_int(inactive, 0, "  all active, all with roles");
		} else {
			is_int(n, MAIN_ALL + SYNTHETIC, "memberships of every status");
			is_int(inactive, 2, "  two not active (ian, paula)");
		}
		is_int(pages, 3, "  three pages");
		free(after);
		after = NULL;
	}

	{
		struct wo_membership_list l;
		ok(wo_api_list_memberships(k.c, NULL, GRACE_ID, NULL, NULL, &l, &err) == 0,
		   "grace's memberships (%s)", err.message);
		is_int(l.count, 2, "  two organizations");
		wo_membership_list_clear(&l);
		ok(wo_api_list_memberships(k.c, emu.org_id, MILA_ID, NULL, NULL, &l, &err) == 0,
		   "mila in the main organization");
		is_int(l.count, 1, "  one membership");
		if (l.count == 1) {
			is_int(l.items[0].role_count, 2, "  with two roles");
			ok(l.items[0].role_count == 2 &&
			       ((strcmp(l.items[0].roles[0], "developer") == 0 &&
				 strcmp(l.items[0].roles[1], "member") == 0) ||
				(strcmp(l.items[0].roles[0], "member") == 0 &&
				 strcmp(l.items[0].roles[1], "developer") == 0)),
			   "  member and developer");
		}
		wo_membership_list_clear(&l);
		ok(wo_api_list_memberships(k.c, emu.org_id, IAN_ID, "inactive", NULL, &l, &err) ==
		       0,
		   "ian's inactive membership");
		is_int(l.count, 1, "  found with statuses=inactive");
		ok(l.count == 1 && !wo_membership_is_active(&l.items[0]), "  and not active");
		wo_membership_list_clear(&l);
		ok(wo_api_list_memberships(k.c, emu.org_id, IAN_ID, NULL, NULL, &l, &err) == 0 &&
		       l.count == 0,
		   "  absent by default (active only)");
		wo_membership_list_clear(&l);
		ok(wo_api_list_memberships(k.c, NULL, NULL, NULL, NULL, &l, &err) != 0,
		   "neither user nor organization: refused before sending");
	}
	close_cli(&k);
}

/* --- refused credentials ------------------------------------------------------------------ */

static void test_bad_credentials(void)
{
	struct cli k;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_user u;
	struct wo_authentication auth;
	struct wo_api_error ae = {0};
	struct wo_device_authorization da;
	struct wo_jwt_claims claims;
	char path[400], extra[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/wrong_key", emu.dir);
	f = fopen(path, "w");
	if (f != NULL) {
		fchmod(fileno(f), 0600);
		fputs("sk_test_wrong_key_0000000000000000000000000000000000\n", f);
		fclose(f);
	}
	snprintf(extra, sizeof(extra), "api_key_file = %s\n", path);
	emu_reset(&emu);
	/* emu_config writes api_key_file itself; build this one by hand. */
	{
		char text[2048];
		k.cfg = NULL;
		snprintf(text, sizeof(text),
			 "client_id = %s\norganization_id = %s\napi_hostname = 127.0.0.1\n"
			 "api_port = %d\nca_file = %s\napi_key_file = %s\n",
			 emu.client_id, emu.org_id, emu.port, emu.ca_file, path);
		if (wo_config_parse("wrongkey.conf", text, strlen(text), &k.cfg, &err) != 0 ||
		    wo_client_new(k.cfg, WO_KEY_REQUIRED, &k.c, &err) != 0) {
			ok(0, "client with a wrong API key (%s)", err.message);
			wo_config_free(k.cfg);
			return;
		}
	}
	ok(wo_api_get_user(k.c, ADA_ID, &u, &err) != 0, "wrong API key: get user fails");
	is_int(err.kind, WO_ERR_CONFIG, "  as a configuration error");
	is_int(err.http_status, 401, "  HTTP 401");
	like(err.message, path, "  naming the key file");
	ok(strstr(err.message, "sk_test") == NULL, "  without the key");
	ok(wo_api_authenticate_password(k.c, "ada@example.com", "ada-correct-horse", &auth, &ae,
					&err) != 0,
	   "wrong API key: password grant fails");
	is_int(err.kind, WO_ERR_CONFIG, "  as a configuration error (%s)", err.message);
	ok(strstr(err.message, "sk_test") == NULL, "  without the key");
	wo_api_error_clear(&ae);
	close_cli(&k);

	emu_reset(&emu);
	if (open_cli(&k, "", WO_KEY_NONE)) {
		ok(wo_api_get_user(k.c, ADA_ID, &u, &err) != 0, "no API key: get user refused");
		is_int(err.kind, WO_ERR_CONFIG, "  as a configuration error");
		is_int(emu_count_requests(&emu, "/user_management/users/" ADA_ID), 0,
		       "  before sending anything");
		close_cli(&k);
	}

	/* An unknown client id: client_id is written by emu_config, so
	 * build the text by hand again. */
	{
		char text[2048], *token = NULL;

		if (open_cli(&k, NULL, WO_KEY_NONE)) {
			if (device_auth(&k, "ada@example.com", &auth, &err) == 0)
				token = strdup(auth.access_token);
			wo_authentication_clear(&auth);
			close_cli(&k);
		}
		snprintf(text, sizeof(text),
			 "client_id = client_01HZZZZZZZZZZZZZZZZZZZZZZZ\norganization_id = %s\n"
			 "api_hostname = 127.0.0.1\napi_port = %d\nca_file = %s\n"
			 "api_key_file = %s\n",
			 emu.org_id, emu.port, emu.ca_file, emu.api_key_file);
		k.cfg = NULL;
		if (wo_config_parse("unknown.conf", text, strlen(text), &k.cfg, &err) == 0 &&
		    wo_client_new(k.cfg, WO_KEY_REQUIRED, &k.c, &err) == 0) {
			ok(wo_api_authorize_device(k.c, &da, &err) != 0,
			   "unknown client id: device authorization fails");
			is_int(err.kind, WO_ERR_CONFIG, "  as a configuration error (%s)",
			       err.message);
			like(err.message, "client", "  saying the client is the problem");
			ok(wo_api_authenticate_password(k.c, "ada@example.com", "ada-correct-horse",
							&auth, &ae, &err) != 0,
			   "unknown client id: password grant fails");
			is_int(err.kind, WO_ERR_CONFIG, "  as a configuration error (%s)",
			       err.message);
			wo_api_error_clear(&ae);
			ok(wo_api_verify_access_token(k.c, token ? token : "a.b.c", ADA_ID, &claims,
						      &err) != 0,
			   "unknown client id: a good token has no signing keys to check it");
			is_int(err.kind, WO_ERR_CONFIG, "  as a configuration error");
			like(err.message, "client_id", "  names client_id (%s)", err.message);
			close_cli(&k);
		} else {
			ok(0, "client for an unknown client id (%s)", err.message);
			wo_config_free(k.cfg);
		}
		wo_secret_free(token);
	}

	/* A client with the device flow turned off. */
	{
		char text[2048];
		snprintf(text, sizeof(text),
			 "client_id = %s\norganization_id = %s\napi_hostname = 127.0.0.1\n"
			 "api_port = %d\nca_file = %s\n",
			 emu.disabled_client_id, emu.org_id, emu.port, emu.ca_file);
		k.cfg = NULL;
		if (wo_config_parse("disabled.conf", text, strlen(text), &k.cfg, &err) == 0 &&
		    wo_client_new(k.cfg, WO_KEY_NONE, &k.c, &err) == 0) {
			ok(wo_api_authorize_device(k.c, &da, &err) != 0,
			   "device flow disabled for the client: refused");
			is_int(err.http_status, 403, "  403");
			is_str(err.code, "access_denied", "  access_denied");
			close_cli(&k);
		} else {
			ok(0, "client for the disabled client id (%s)", err.message);
			wo_config_free(k.cfg);
		}
	}
}

/* --- device flow driver --------------------------------------------------------------------- */

struct ui_state {
	const char *approve_as; /* email, or NULL */
	bool deny;
	unsigned shown, polls;
	int approve_before_poll; /* approve before poll N (0-based), -1: never */
	char user_code[32];
};

static int ui_show(void *ctx, const struct wo_device_authorization *da, struct wo_error *err)
{
	struct ui_state *s = ctx;

	s->shown++;
	snprintf(s->user_code, sizeof(s->user_code), "%s", da->user_code);
	if (s->deny)
		return emu_ctl(&emu, "deny", "{\"code\":\"%s\"}", da->user_code)
			   ? 0
			   : wo_error_set(err, WO_ERR_SYSTEM, "control deny failed");
	if (s->approve_as != NULL && !emu_ctl(&emu, "approve", "{\"code\":\"%s\",\"user\":\"%s\"}",
					      da->user_code, s->approve_as))
		return wo_error_set(err, WO_ERR_SYSTEM, "control approve failed");
	return 0;
}

static int ui_before_poll(void *ctx, unsigned pending, struct wo_error *err)
{
	struct ui_state *s = ctx;

	s->polls = pending + 1;
	if (s->approve_before_poll >= 0 && pending == (unsigned)s->approve_before_poll &&
	    !emu_ctl(&emu, "approve", "{\"code\":\"%s\",\"user\":\"ada@example.com\"}",
		     s->user_code))
		return wo_error_set(err, WO_ERR_SYSTEM, "control approve failed");
	return 0;
}

static void test_device_login(void)
{
	struct cli k;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_authentication auth;
	struct wo_device_stats st;
	struct wo_admission adm;
	struct ui_state s = {.approve_as = "ada@example.com", .approve_before_poll = -1};
	struct wo_device_ui ui = {.ctx = &s, .show = ui_show, .before_poll = ui_before_poll};
	double t0;

	emu_reset(&emu);
	emu_ctl(&emu, "device-settings", "{\"interval\":1}");
	if (!open_cli(&k, NULL, WO_KEY_OPTIONAL))
		return;
	ok(wo_client_has_api_key(k.c), "optional API key loaded");
	ok(wo_device_login(k.c, 20, &ui, &auth, &st, &err) == 0,
	   "device login approved from show() (%s)", err.message);
	is_int(s.shown, 1, "  shown once");
	is_int(st.polls, 1, "  one poll");
	is_int(st.slow_downs, 0, "  never too fast");
	is_int(st.interval, 1, "  interval 1");
	is_str(auth.user.id, ADA_ID, "  ada");
	ok(wo_admit(k.c, &auth, ADA_ID, NULL, &adm, &err) == 0, "  admitted as ada (%s)",
	   err.message);
	is_str(adm.user_id, ADA_ID, "  the verified identity is ada's");
	is_str(adm.role, "admin", "  role admin");
	ok(adm.roles_from_api, "  roles from the memberships API");
	wo_authentication_clear(&auth);

	s = (struct ui_state){.deny = true, .approve_before_poll = -1};
	ok(wo_device_login(k.c, 20, &ui, &auth, &st, &err) != 0, "device login denied");
	is_int(err.kind, WO_ERR_DENIED, "  WO_ERR_DENIED");
	is_str(err.code, "access_denied", "  access_denied");

	s = (struct ui_state){.approve_before_poll = -1};
	t0 = time(NULL);
	ok(wo_device_login(k.c, 2, &ui, &auth, &st, &err) != 0,
	   "device login nobody approves, 2 s timeout");
	is_str(err.code, "expired_token", "  expired_token");
	ok(time(NULL) - t0 <= 4, "  within the timeout");
	ok(s.polls >= 1, "  after polling (%u)", s.polls);
	close_cli(&k);

	/* Approved at the last poll of a 4 s flow: what follows (admission:
	 * the key set, the memberships) still gets its own time, not the
	 * second or so the flow had left. */
	emu_reset(&emu);
	emu_ctl(&emu, "device-settings", "{\"interval\":1}");
	if (!open_cli(&k, "http_timeout = 5\n", WO_KEY_REQUIRED))
		return;
	s = (struct ui_state){.approve_before_poll = 1};
	ok(wo_device_login(k.c, 4, &ui, &auth, &st, &err) == 0,
	   "device login approved at the last poll (%s)", err.message);
	is_int(st.polls, 2, "  on the second poll");
	emu_fault(&emu, "/user_management/organization_memberships", "delay", 0, -1, 1500, 1);
	ok(wo_admit(k.c, &auth, ADA_ID, NULL, &adm, &err) == 0,
	   "  admission after it has its own time (1.5 s membership answer) (%s)", err.message);
	wo_authentication_clear(&auth);
	close_cli(&k);
}

/* --- admission ---------------------------------------------------------------------------------
 */

static int admit_via_device(struct cli *k, const char *email, const char *owner_id,
			    char *const *require, struct wo_admission *adm, struct wo_error *err)
{
	struct wo_authentication auth;
	int rc;

	wo_error_clear(err);
	if (device_auth(k, email, &auth, err) != 0) {
		diag("login as %s failed: %s", email, err->message);
		return -2;
	}
	rc = wo_admit(k->c, &auth, owner_id, require, adm, err);
	wo_authentication_clear(&auth);
	return rc;
}

static void test_admission(void)
{
	static char *const developer[] = {"developer", NULL};
	struct cli k;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_admission adm;
	struct wo_member_roles mr;
	struct wo_authentication auth;
	struct wo_api_error ae = {0};

	emu_reset(&emu);
	if (!open_cli(&k, NULL, WO_KEY_REQUIRED))
		return;
	ok(admit_via_device(&k, "ada@example.com", ADA_ID, NULL, &adm, &err) == 0,
	   "ada admitted as ada (%s)", err.message);
	ok(admit_via_device(&k, "ada@example.com", GRACE_ID, NULL, &adm, &err) == -1,
	   "ada refused for an account grace owns");
	is_int(err.kind, WO_ERR_DENIED, "  WO_ERR_DENIED");
	is_str(err.code, "wrong_user", "  wrong_user");
	is_str(adm.user_id, ADA_ID, "  who approved is still reported");
	ok(admit_via_device(&k, "ada@example.com", NULL, NULL, &adm, &err) == -1 &&
	       strcmp(err.code, "wrong_user") == 0,
	   "an account without an owner admits nobody");

	ok(admit_via_device(&k, "ian@example.com", IAN_ID, NULL, &adm, &err) == -1,
	   "ian (inactive membership) refused with the API key");
	is_str(err.code, "not_a_member", "  not_a_member (%s)", err.message);
	ok(wo_member_lookup(k.c, IAN_ID, &mr, &err) == 0 && !mr.active,
	   "  member lookup: not active");
	wo_member_roles_clear(&mr);
	ok(wo_member_lookup(k.c, "user_01HQWNMJ10WKFXX2MK8VARM7F4", &mr, &err) == 0 && !mr.active,
	   "  unknown user: not active");
	wo_member_roles_clear(&mr);
	ok(wo_member_lookup(k.c, MILA_ID, &mr, &err) == 0 && mr.active && mr.n_roles == 2,
	   "mila: active with two roles");
	wo_member_roles_clear(&mr);

	ok(admit_via_device(&k, "mila@example.com", MILA_ID, developer, &adm, &err) == 0,
	   "mila admitted with require_role=developer (%s)", err.message);
	is_str(adm.role, "developer", "  by the developer role");
	ok(admit_via_device(&k, "ada@example.com", ADA_ID, developer, &adm, &err) == -1,
	   "ada (admin) refused with require_role=developer");
	is_str(err.code, "role", "  role");

	/* Another organization's token. */
	{
		if (password(&k, "grace@example.com", "grace-battery-staple", &auth, &ae, &err) !=
			0 &&
		    ae.pending_authentication_token != NULL) {
			struct wo_api_error ae2 = {0};
			if (wo_api_authenticate_organization(k.c, ae.pending_authentication_token,
							     emu.other_org_id, &auth, &ae2,
							     &err) == 0) {
				int rc = wo_admit(k.c, &auth, GRACE_ID, NULL, &adm, &err);
				ok(rc != 0, "grace signed in to the other organization: refused");
				ok(err.kind == WO_ERR_TOKEN || err.kind == WO_ERR_DENIED,
				   "  as a token or policy denial (%s)", err.message);
				wo_authentication_clear(&auth);
			} else {
				ok(0, "grace: select the other organization (%s)", err.message);
			}
			wo_api_error_clear(&ae2);
		} else {
			ok(0, "grace: organization selection expected (%s)", err.message);
		}
		wo_api_error_clear(&ae);
	}
	close_cli(&k);

	if (open_cli(&k, "allowed_roles = admin\n", WO_KEY_REQUIRED)) {
		ok(admit_via_device(&k, "ada@example.com", ADA_ID, NULL, &adm, &err) == 0,
		   "allowed_roles = admin: ada admitted (%s)", err.message);
		ok(admit_via_device(&k, "grace@example.com", GRACE_ID, NULL, &adm, &err) == -1,
		   "allowed_roles = admin: grace (developer) refused");
		is_str(err.code, "role", "  role");
		close_cli(&k);
	}

	if (open_cli(&k, NULL, WO_KEY_NONE)) {
		ok(admit_via_device(&k, "grace@example.com", GRACE_ID, NULL, &adm, &err) == 0,
		   "without an API key: grace admitted from the token (%s)", err.message);
		ok(!adm.roles_from_api, "  roles from the token");
		is_str(adm.role, "developer", "  developer");
		close_cli(&k);
	}

	emu_ctl(&emu, "token-fault", "{\"mode\":\"impersonated\"}");
	if (open_cli(&k, NULL, WO_KEY_REQUIRED)) {
		ok(admit_via_device(&k, "ada@example.com", ADA_ID, NULL, &adm, &err) == -1,
		   "impersonated session refused");
		is_str(err.code, "impersonation", "  impersonation");
		close_cli(&k);
	}
	if (open_cli(&k, "allow_impersonation = true\n", WO_KEY_REQUIRED)) {
		ok(admit_via_device(&k, "ada@example.com", ADA_ID, NULL, &adm, &err) == 0,
		   "  admitted with allow_impersonation (%s)", err.message);
		close_cli(&k);
	}
	emu_ctl(&emu, "token-fault", "{\"mode\":\"expired\"}");
	if (open_cli(&k, NULL, WO_KEY_REQUIRED)) {
		ok(admit_via_device(&k, "ada@example.com", ADA_ID, NULL, &adm, &err) == -1,
		   "expired token refused by wo_admit");
		is_int(err.kind, WO_ERR_TOKEN, "  WO_ERR_TOKEN");
		close_cli(&k);
	}
	emu_ctl(&emu, "token-fault", "{\"mode\":\"off\"}");
}

/* The last logged revoke's session_id ("" when none). */
static void last_revoked(char *buf, size_t size)
{
	json_object *holder, *arr = emu_requests(&emu, REVOKE_PATH, &holder), *r, *params, *v;
	size_t n = arr ? json_object_array_length(arr) : 0;

	buf[0] = '\0';
	if (n > 0 && (r = json_object_array_get_idx(arr, n - 1)) != NULL &&
	    json_object_object_get_ex(r, "params", &params) &&
	    json_object_object_get_ex(params, "session_id", &v))
		snprintf(buf, size, "%s", json_object_get_string(v));
	json_object_put(holder);
}

static void test_revoke(void)
{
	struct cli k;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_admission adm, none = {0};
	char seen[128];
	int before;

	emu_reset(&emu);
	if (!open_cli(&k, NULL, WO_KEY_REQUIRED))
		return;
	ok(admit_via_device(&k, "ada@example.com", ADA_ID, NULL, &adm, &err) == 0,
	   "revoke: ada admitted (%s)", err.message);
	ok(strncmp(adm.session_id, "session_", 8) == 0,
	   "  the admission carries the token's sid (%s)", adm.session_id);
	ok(wo_api_revoke_session(k.c, adm.session_id, &err) == 0, "revoke the session: ok (%s)",
	   err.message);
	is_int(emu_count_requests(&emu, REVOKE_PATH), 1, "  one POST %s", REVOKE_PATH);
	last_revoked(seen, sizeof(seen));
	is_str(seen, adm.session_id, "  with the token's sid as session_id");

	wo_error_clear(&err);
	ok(wo_api_revoke_session(k.c, "session_01HZZZZZZZZZZZZZZZZZZZZZZZ", &err) == -1,
	   "an unknown session: refused");
	ok(err.kind == WO_ERR_HTTP && err.http_status == 400, "  as the spec's 400 {message} (%s)",
	   err.message);
	like(err.message, "Session not found", "  WorkOS's message is quoted");

	/* A refusal after the token verified still ends the session. */
	ok(admit_via_device(&k, "grace@example.com", ADA_ID, NULL, &adm, &err) == -1 &&
	       strcmp(err.code, "wrong_user") == 0,
	   "grace refused for ada's account");
	before = emu_count_requests(&emu, REVOKE_PATH);
	wo_error_clear(&err);
	is_int(wo_admission_end_session(k.c, &adm, &err), 1, "  its session ended (%s)",
	       err.message);
	last_revoked(seen, sizeof(seen));
	is_str(seen, adm.session_id, "  the refused login's sid");
	is_int(emu_count_requests(&emu, REVOKE_PATH), before + 1, "  one request");
	is_int(wo_admission_end_session(k.c, &none, &err), 0, "no session id: nothing to end");
	is_int(emu_count_requests(&emu, REVOKE_PATH), before + 1, "  and nothing sent");

	/* A POST is sent once: a 500 is reported, not retried. */
	ok(admit_via_device(&k, "ada@example.com", ADA_ID, NULL, &adm, &err) == 0,
	   "ada admitted again");
	emu_fault(&emu, REVOKE_PATH, "status", 500, -1, 0, 1);
	before = emu_count_requests(&emu, REVOKE_PATH);
	wo_error_clear(&err);
	is_int(wo_admission_end_session(k.c, &adm, &err), -1, "a 500 on revoke: -1");
	ok(err.http_status == 500 && wo_error_is_unavailable(&err), "  WorkOS unavailable (%s)",
	   err.message);
	is_int(emu_count_requests(&emu, REVOKE_PATH), before + 1, "  sent once, not retried");
	close_cli(&k);

	if (open_cli(&k, NULL, WO_KEY_NONE)) {
		ok(admit_via_device(&k, "ada@example.com", ADA_ID, NULL, &adm, &err) == 0,
		   "without an API key: ada admitted (%s)", err.message);
		before = emu_count_requests(&emu, REVOKE_PATH);
		wo_error_clear(&err);
		ok(wo_api_revoke_session(k.c, adm.session_id, &err) == -1 &&
		       err.kind == WO_ERR_CONFIG,
		   "  wo_api_revoke_session needs the key (%s)", err.message);
		is_int(wo_admission_end_session(k.c, &adm, &err), 0, "  nothing to end without it");
		is_int(emu_count_requests(&emu, REVOKE_PATH), before, "  and nothing sent");
		close_cli(&k);
	}
}

int main(void)
{
	static const char *const args[] = {"--synthetic-members", "250", NULL};

	emu_start(&emu, args);
	test_device_poll();
	test_docs_body_and_issuer();
	test_token_faults();
	test_password();
	test_mfa();
	test_directory();
	test_pagination();
	test_bad_credentials();
	test_device_login();
	test_admission();
	test_revoke();
	emu_stop(&emu);
	curl_global_cleanup();
	return done_testing();
}
