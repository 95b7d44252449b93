/* SPDX-License-Identifier: MIT */
/*
 * The part of libpam pam_workos calls, for the `pam` fuzz target: a handle
 * with PAM_USER, PAM_RHOST, PAM_TTY, PAM_SERVICE (sshd with the tty "ssh",
 * else login) and PAM_CONV, module data with its
 * cleanups run at the end as pam_end does, logging to nowhere (after
 * checking that no secret is logged), and a conversation that answers
 * prompts from the input's conversation frames (fuzz_pam.h) and fails now
 * and then with the injected failures.  pam_modutil_getpwnam knows a fixed
 * table of accounts (fz_accounts).
 */
#include "autoconfig.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "fake_pam.h"
#include "fuzz_pam.h"

const struct fz_account fz_accounts[] = {
    {"alice", 200001}, /* in the cache with this UID: synced, user_01ALICE */
    {"erin", 200004},  /* synced, user_01ERIN: somebody else's owner */
    {"bob", 1001},     /* bound by hand in the bindings file: user_01BOB */
    {"carol", 1003},   /* in the cache as 200003, but NSS says 1003: not ours */
    {"dave", 200050},  /* in workos-sync's UID range, in no file: removed */
    {"root", 0},       /* UID 0: never WorkOS's */
    {NULL, 0},
};

struct data {
	char *name;
	void *data;
	void (*cleanup)(pam_handle_t *pamh, void *data, int error_status);
	struct data *next;
};

struct pam_handle {
	char *user;
	const char *rhost, *tty;
	struct pam_conv conv;
	struct data *data;
	struct passwd pw;
	char pw_name[64];
};

const struct fz_account *fz_account_find(const char *name)
{
	for (const struct fz_account *a = fz_accounts; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* --- the application's conversation ---------------------------------------------- */

static int answer(const struct fz_frame *f, struct pam_response *r)
{
	switch (f->kind & 0xff) {
	case 1:
		return PAM_SUCCESS; /* no string */
	case 2:
		return PAM_CONV_ERR;
	case 3:
		return PAM_CONV_AGAIN;
	case 4:
		return PAM_BUF_ERR;
	default:
		r->resp = strdup(f->body);
		return r->resp != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
	}
}

static int conversation(int n, const struct pam_message **msg, struct pam_response **resp,
			void *appdata)
{
	struct pam_response *r;
	int rc = PAM_SUCCESS;

	(void)appdata;
	if (n <= 0 || n > PAM_MAX_NUM_MSG || msg == NULL || resp == NULL)
		abort();
	*resp = NULL;
	for (int i = 0; i < n; i++) {
		if (msg[i] == NULL || msg[i]->msg == NULL)
			abort();
		/* What the person reads: checked like the logs. */
		fz_check_no_secret("conversation", msg[i]->msg);
		if (fz.verbose)
			fprintf(stderr, "conv[%d]: %s\n", msg[i]->msg_style, msg[i]->msg);
		if (strlen(msg[i]->msg) > PAM_MAX_MSG_SIZE * 4)
			abort();
	}
	if (fz_should_fail())
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n && rc == PAM_SUCCESS; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_ON:
		case PAM_PROMPT_ECHO_OFF:
			if (fz.next_conv >= fz.n_conv)
				rc = PAM_CONV_ERR; /* the person went away */
			else
				rc = answer(&fz.conv[fz.next_conv++], &r[i]);
			break;
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG:
			break;
		default:
			abort(); /* the module sends no binary or radio prompts */
		}
	}
	if (rc != PAM_SUCCESS) {
		/* The application frees what it made, as Linux-PAM's do. */
		for (int i = 0; i < n; i++)
			free(r[i].resp);
		free(r);
		return rc;
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* --- the handle ----------------------------------------------------------------------- */

pam_handle_t *fz_pam_start(const char *user, const char *rhost, const char *tty)
{
	pam_handle_t *pamh = calloc(1, sizeof(*pamh));

	if (pamh == NULL)
		abort();
	if (user != NULL && (pamh->user = strdup(user)) == NULL)
		abort();
	pamh->rhost = rhost;
	pamh->tty = tty;
	pamh->conv.conv = conversation;
	return pamh;
}

void fz_pam_end(pam_handle_t *pamh, int status)
{
	while (pamh->data != NULL) {
		struct data *d = pamh->data;

		pamh->data = d->next;
		if (d->cleanup != NULL)
			d->cleanup(pamh, d->data, status);
		free(d->name);
		free(d);
	}
	free(pamh->user);
	free(pamh);
}

const char *fz_pam_user(const pam_handle_t *pamh)
{
	return pamh->user;
}

int pam_get_user(pam_handle_t *pamh, const char **user, const char *prompt)
{
	const struct pam_message msg = {
	    .msg_style = PAM_PROMPT_ECHO_ON,
	    .msg = prompt != NULL ? prompt : "login: ",
	};
	const struct pam_message *msgs[1] = {&msg};
	struct pam_response *resp = NULL;
	int rc;

	*user = NULL;
	if (pamh->user != NULL) {
		*user = pamh->user;
		return PAM_SUCCESS;
	}
	rc = pamh->conv.conv(1, msgs, &resp, pamh->conv.appdata_ptr);
	if (rc != PAM_SUCCESS)
		return rc == PAM_CONV_AGAIN ? PAM_CONV_AGAIN : PAM_CONV_ERR;
	if (resp == NULL || resp[0].resp == NULL) {
		free(resp);
		return PAM_CONV_ERR;
	}
	pamh->user = resp[0].resp;
	free(resp);
	*user = pamh->user;
	return PAM_SUCCESS;
}

int pam_get_item(const pam_handle_t *pamh, int item_type, const void **item)
{
	switch (item_type) {
	case PAM_USER:
		*item = pamh->user;
		return PAM_SUCCESS;
	case PAM_RHOST:
		*item = pamh->rhost;
		return PAM_SUCCESS;
	case PAM_TTY:
		*item = pamh->tty;
		return PAM_SUCCESS;
	case PAM_SERVICE:
		*item = pamh->tty != NULL && strcmp(pamh->tty, "ssh") == 0 ? "sshd" : "login";
		return PAM_SUCCESS;
	case PAM_CONV:
		*item = &pamh->conv;
		return PAM_SUCCESS;
	default:
		*item = NULL;
		return PAM_BAD_ITEM;
	}
}

int pam_set_data(pam_handle_t *pamh, const char *module_data_name, void *data,
		 void (*cleanup)(pam_handle_t *pamh, void *data, int error_status))
{
	struct data *d;

	if (fz_should_fail())
		return PAM_BUF_ERR;
	for (d = pamh->data; d != NULL; d = d->next)
		if (strcmp(d->name, module_data_name) == 0) {
			if (d->cleanup != NULL)
				d->cleanup(pamh, d->data, PAM_DATA_REPLACE | PAM_SUCCESS);
			d->data = data;
			d->cleanup = cleanup;
			return PAM_SUCCESS;
		}
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->name = strdup(module_data_name)) == NULL) {
		free(d);
		return PAM_BUF_ERR;
	}
	d->data = data;
	d->cleanup = cleanup;
	d->next = pamh->data;
	pamh->data = d;
	return PAM_SUCCESS;
}

int pam_get_data(const pam_handle_t *pamh, const char *module_data_name, const void **data)
{
	for (const struct data *d = pamh->data; d != NULL; d = d->next)
		if (strcmp(d->name, module_data_name) == 0) {
			*data = d->data;
			return PAM_SUCCESS;
		}
	*data = NULL;
	return PAM_NO_MODULE_DATA;
}

void pam_vsyslog(const pam_handle_t *pamh, int priority, const char *fmt, va_list args)
{
	char line[8192];

	(void)pamh;
	(void)priority;
	vsnprintf(line, sizeof(line), fmt, args);
	fz_check_no_secret("syslog", line);
	if (fz.verbose)
		fprintf(stderr, "syslog: %s\n", line);
}

void pam_syslog(const pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, priority, fmt, ap);
	va_end(ap);
}

const char *pam_strerror(pam_handle_t *pamh, int errnum)
{
	(void)pamh;
	switch (errnum) {
	case PAM_SUCCESS:
		return "Success";
	case PAM_CONV_ERR:
		return "Conversation error";
	case PAM_CONV_AGAIN:
		return "Conversation is waiting for event";
	case PAM_BUF_ERR:
		return "Memory buffer error";
	default:
		return "Unknown PAM error";
	}
}

/* Like Linux-PAM's, the entry lives as long as the handle. */
struct passwd *pam_modutil_getpwnam(pam_handle_t *pamh, const char *user)
{
	const struct fz_account *a = fz_account_find(user);

	if (a == NULL || fz_should_fail())
		return NULL;
	snprintf(pamh->pw_name, sizeof(pamh->pw_name), "%s", a->name);
	pamh->pw = (struct passwd){
	    .pw_name = pamh->pw_name,
	    .pw_passwd = (char *)"x",
	    .pw_uid = a->uid,
	    .pw_gid = a->uid,
	    .pw_gecos = (char *)"",
	    .pw_dir = (char *)"/nonexistent",
	    .pw_shell = (char *)"/bin/sh",
	};
	return &pamh->pw;
}
