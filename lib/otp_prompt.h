/* SPDX-License-Identifier: MIT */
/*
 * Asking for a TOTP code through a conversation (lib/conversation.h), for
 * mode=password's MFA step and mode=totp alike:
 *  - at most WO_OTP_TRIES answers; an answer that is not 6 digits is a try
 *    but never reaches WorkOS (an empty one ends the login at once when
 *    the caller disallows empty answers);
 *  - a wrong code is told as such with the tries left, in the text of the
 *    next prompt (sshd shows informational text only with a prompt);
 *  - an expired challenge is not the person's fault: a new challenge is
 *    made and the same code checked again, once, without costing a try;
 *  - every answer is wiped as soon as it has been checked.
 * The caller's callbacks do the WorkOS side (a grant with a pending token,
 * or the MFA verify endpoint), so both modes count and word tries alike.
 */
#ifndef WO_OTP_PROMPT_H
#define WO_OTP_PROMPT_H

#include <stdbool.h>

#include "conversation.h"
#include "error.h"

#define WO_OTP_TRIES  3
#define WO_OTP_DIGITS 6

enum wo_otp_result {
	WO_OTP_OK,	/* accepted */
	WO_OTP_WRONG,	/* not the right code: costs a try */
	WO_OTP_USED,	/* right code, but already used: costs a try */
	WO_OTP_EXPIRED, /* the challenge expired: make a new one */
	WO_OTP_FAILED,	/* err says why; stop */
};

struct wo_otp_ops {
	void *ctx;
	/* Makes a (new) challenge; called before the first prompt and after
	 * WO_OTP_EXPIRED.  Returns 0 or -1 with err. */
	int (*challenge)(void *ctx, struct wo_error *err);
	enum wo_otp_result (*check)(void *ctx, const char *code, struct wo_error *err);
};

struct wo_otp_question {
	const char *text; /* shown with the first prompt; may be NULL */
	bool needed;	  /* text is needed to answer (an enrolment key) */
	const char *user; /* for the log lines */
	bool disallow_empty;
};

/*
 * Asks for a code until one is accepted.  Returns 0 when a code was
 * accepted, or -1 with err: a denial ("wrong_code" after WO_OTP_TRIES
 * wrong answers, "empty_code"), what the callbacks reported, or
 * WO_ERR_SYSTEM "abandoned" when the conversation failed.
 */
int wo_otp_ask(const struct wo_conversation *conv, const struct wo_otp_question *q,
	       const struct wo_otp_ops *ops, struct wo_error *err);

#endif
