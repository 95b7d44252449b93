/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "otp_prompt.h"
#include "secret.h"

/* Keeps the digits of an answer, allowing the spaces people type in the
 * middle ("123 456").  Returns true when exactly WO_OTP_DIGITS digits and
 * nothing else were typed; code gets them, NUL-terminated. */
static bool read_code(const char *answer, char code[WO_OTP_DIGITS + 1])
{
	size_t n = 0;

	for (const char *p = answer; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (*p < '0' || *p > '9' || n == WO_OTP_DIGITS)
			return false;
		code[n++] = *p;
	}
	code[n] = '\0';
	return n == WO_OTP_DIGITS;
}

/* One answer checked, with one new challenge when the old one expired. */
static enum wo_otp_result check_once(const struct wo_otp_ops *ops, const char *code,
				     struct wo_error *err)
{
	enum wo_otp_result r = ops->check(ops->ctx, code, err);

	if (r != WO_OTP_EXPIRED)
		return r;
	if (ops->challenge(ops->ctx, err) != 0)
		return WO_OTP_FAILED;
	r = ops->check(ops->ctx, code, err);
	/* Expired twice in a row: the code took too long in transit or the
	 * challenge lives shorter than a round trip; ask for a fresh code. */
	return r == WO_OTP_EXPIRED ? WO_OTP_WRONG : r;
}

int wo_otp_ask(const struct wo_conversation *conv, const struct wo_otp_question *q,
	       const struct wo_otp_ops *ops, struct wo_error *err)
{
	char feedback[128];
	const char *text = q->text;
	bool needed = q->needed;

	if (ops->challenge(ops->ctx, err) != 0)
		return -1;
	for (int tries = 1; tries <= WO_OTP_TRIES; tries++) {
		char code[WO_OTP_DIGITS + 1];
		char *answer = NULL;
		enum wo_otp_result r;
		const char *why;

		if (conv->prompt(conv->ctx, text, needed, "WorkOS one-time code: ", false,
				 &answer) != 0) {
			wo_error_set(err, WO_ERR_SYSTEM, "the login was abandoned at the prompt");
			snprintf(err->code, sizeof(err->code), "abandoned");
			return -1;
		}
		if (answer[0] == '\0' && q->disallow_empty) {
			wo_secret_free(answer);
			return wo_error_deny(err, "empty_code", "no one-time code was given");
		}
		if (!read_code(answer, code)) {
			r = WO_OTP_WRONG;
			why = "A one-time code is 6 digits.";
		} else {
			r = check_once(ops, code, err);
			why = r == WO_OTP_USED
				  ? "That code was used already: wait for the next one."
				  : "Wrong code.";
		}
		wo_secret_free(answer);
		explicit_bzero(code, sizeof(code));
		if (r == WO_OTP_OK)
			return 0;
		if (r == WO_OTP_FAILED)
			return -1;
		conv->log(conv->ctx, LOG_NOTICE, "user=%s: one-time code %d of %d refused (%s)",
			  q->user != NULL ? q->user : "?", tries, WO_OTP_TRIES,
			  r == WO_OTP_USED ? "used already" : "wrong");
		snprintf(feedback, sizeof(feedback), "%s %d %s left.", why, WO_OTP_TRIES - tries,
			 WO_OTP_TRIES - tries == 1 ? "try" : "tries");
		text = feedback;
		needed = false;
	}
	return wo_error_deny(err, "wrong_code", "the one-time code was wrong too many times");
}
