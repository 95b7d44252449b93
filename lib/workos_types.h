/* SPDX-License-Identifier: MIT */
/*
 * The WorkOS answers pam_workos reads, as C structs (see lib/decode.h for
 * how they are filled and doc/workos-wire-notes.md for the wire shapes).
 *
 * Ownership: every string and array is a heap copy owned by the struct; a
 * struct is released by its wo_<type>_clear, which frees everything, wipes
 * the secrets (tokens, device code, pending token, TOTP secret and URI) and
 * leaves the struct zeroed, so clearing twice or clearing a zeroed struct is
 * fine.  Optional fields are NULL (or a NULL pointer to a sub-struct) when
 * WorkOS left them out or sent null.  A string is never "" where the API
 * promises a value: decoders refuse that instead.
 */
#ifndef WO_WORKOS_TYPES_H
#define WO_WORKOS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds a decoder enforces.  They are generous next to what WorkOS sends
 * (a page holds at most 100 items, metadata at most 10 pairs) and small
 * enough that a hostile body cannot make us allocate without limit. */
#define WO_LIST_MAX_ITEMS     128   /* items in one page of a list */
#define WO_METADATA_MAX	      64    /* user metadata pairs */
#define WO_METADATA_KEY_MAX   128   /* bytes */
#define WO_METADATA_VALUE_MAX 1024  /* bytes */
#define WO_ROLES_MAX	      64    /* role slugs on one membership */
#define WO_ERROR_ITEMS_MAX    64    /* factors, organizations, connection ids in an error */
#define WO_PERSON_NAME_MAX    256   /* first/last/organization names */
#define WO_PERSON_TEXT_MAX    4096  /* first/last name as sent, before cleaning */
#define WO_EMAIL_MAX	      320   /* RFC 5321: 64 + 1 + 255 */
#define WO_URL_MAX	      2048  /* verification URIs, picture URLs */
#define WO_SLUG_MAX	      128   /* role slugs, statuses, methods, factor types */
#define WO_MESSAGE_MAX	      1024  /* error messages and descriptions */
#define WO_TIMESTAMP_MAX      64    /* ISO 8601 strings, kept as text */
#define WO_CURSOR_MAX	      512   /* list_metadata before/after */
#define WO_ACCESS_TOKEN_MAX   16384 /* a JWT with templates and many roles */
#define WO_OPAQUE_TOKEN_MAX   4096  /* refresh, pending, device code */
#define WO_USER_CODE_MAX      64
#define WO_TOTP_SECRET_MAX    256
#define WO_INTERVAL_MIN	      1 /* seconds between device polls */
#define WO_INTERVAL_MAX	      300
#define WO_INTERVAL_DEFAULT   5 /* RFC 8628 section 3.2 */
#define WO_EXPIRES_IN_MIN     1
#define WO_EXPIRES_IN_MAX     3600
#define WO_TOKEN_LIFE_MAX     31536000 /* an access token's advertised lifetime: a year */

/* POST /user_management/authorize/device (RFC 8628 section 3.2). */
struct wo_device_authorization {
	char *device_code;		 /* SECRET */
	char *user_code;		 /* shown to the user; wiped anyway */
	char *verification_uri;		 /* http(s):// */
	char *verification_uri_complete; /* optional, http(s):// */
	int expires_in;			 /* seconds, WO_EXPIRES_IN_MIN..MAX */
	int interval;			 /* seconds, WO_INTERVAL_MIN..MAX, default 5 */
};

struct wo_metadata_pair {
	char *key;
	char *value;
};

/* A user object (UserlandUser). */
struct wo_user {
	char *id;			   /* user_... */
	char *email;			   /* NULL when absent (old API versions), never "" */
	bool email_verified;		   /* false when absent: unverified until WorkOS says so */
	char *first_name;		   /* optional; cleaned, see names_cleaned */
	char *last_name;		   /* optional; cleaned, see names_cleaned */
	char *external_id;		   /* optional */
	struct wo_metadata_pair *metadata; /* string values only; others are refused */
	size_t metadata_count;
	/* first_name or last_name as sent held control characters (now '_')
	 * or was longer than WO_PERSON_NAME_MAX bytes (now cut): free text a
	 * person typed is cleaned rather than refused. */
	bool names_cleaned;
};

/* The dashboard user behind an impersonated session. */
struct wo_impersonator {
	char *email;
	char *reason; /* optional */
};

/* 200 answer of POST /user_management/authenticate, every grant.  The spec
 * always sends `user`; the device-code docs list only access_token,
 * refresh_token, token_type ("Bearer", checked when present) and
 * expires_in (range-checked when present, not kept: the token's exp
 * decides).  Without `user`, user is zeroed (user.id == NULL) and the
 * identity is the verified access token's sub. */
struct wo_authentication {
	struct wo_user user;		      /* zeroed when the body has no user */
	char *organization_id;		      /* optional, org_... */
	char *access_token;		      /* SECRET, a JWT: verify before believing it */
	char *refresh_token;		      /* SECRET */
	char *authentication_method;	      /* optional: "SSO", "Password", "Impersonation"... */
	struct wo_impersonator *impersonator; /* optional: present = impersonated session */
};

/* An authentication factor (MFA).  Lists and error bodies fill id and type
 * only; the TOTP issuer and user come with factor lists and enrollment. */
struct wo_factor {
	char *id;	   /* auth_factor_... */
	char *type;	   /* "totp", "sms"...: kept as sent */
	char *user_id;	   /* optional */
	char *totp_issuer; /* optional */
	char *totp_user;   /* optional */
};

/* GET /organizations/{id}, and the items of organization_selection_required. */
struct wo_organization {
	char *id; /* org_... */
	char *name;
};

/*
 * An error body: {code, message} or OAuth {error, error_description}, or just
 * {message}, plus what the authentication errors carry for the next step.
 * `code` is at most WO_ERROR_CODE_MAX - 1 bytes so it fits a wo_error whole.
 */
struct wo_api_error {
	char *code;    /* "mfa_challenge", "authorization_pending"...; NULL with only a message */
	char *message; /* optional, printable */
	char *pending_authentication_token;	  /* SECRET, optional */
	struct wo_factor *authentication_factors; /* mfa_challenge */
	size_t authentication_factor_count;
	struct wo_organization *organizations; /* organization_selection_required */
	size_t organization_count;
	struct wo_user *user;	     /* optional (mfa_*, organization selection) */
	char *email;		     /* optional (sso_required, email_verification_required) */
	char *email_verification_id; /* optional */
	char **connection_ids;	     /* sso_required: conn_... */
	size_t connection_id_count;
};

/* POST /auth/factors/{id}/challenge. */
struct wo_challenge {
	char *id;			/* auth_challenge_... */
	char *authentication_factor_id; /* optional, auth_factor_... */
	char *expires_at;		/* optional (absent for TOTP), ISO 8601 text */
};

/* POST /auth/challenges/{id}/verify: a wrong code is valid = false. */
struct wo_verification {
	struct wo_challenge challenge;
	bool valid;
};

/* POST /user_management/users/{id}/auth_factors (TOTP enrollment). */
struct wo_enrollment {
	struct wo_factor factor;
	char *totp_secret;  /* SECRET: base32 shared secret */
	char *totp_uri;	    /* SECRET: otpauth:// URI, what a terminal QR code encodes */
	char *challenge_id; /* auth_challenge_... */
};

/* list_metadata of a page: `after` is the cursor of the next page, NULL
 * on the last one. */
struct wo_list_metadata {
	char *before;
	char *after;
};

struct wo_factor_list {
	struct wo_factor *items;
	size_t count;
	struct wo_list_metadata list_metadata;
};

/* An item of a user or membership list that could not be used (a bad
 * email, id, role or metadata): the page is read without it. */
struct wo_list_skip {
	char *user_id; /* the item's user id when it is a valid user_..., else NULL */
	char *reason;  /* the decoder's message: printable, quotes no value */
};

struct wo_user_list {
	struct wo_user *items;
	size_t count;
	struct wo_list_metadata list_metadata;
	struct wo_list_skip *skipped; /* items left out of `items` */
	size_t skipped_count;
};

/* An organization membership (UserlandUserOrganizationMembership). */
struct wo_membership {
	char *id; /* om_... */
	char *user_id;
	char *organization_id;
	char *status; /* "active", "inactive", "pending", or a newer value as sent */
	char *role;   /* role.slug; NULL when only roles[] was sent */
	char **roles; /* slugs of roles[] when present, else { role }: never empty */
	size_t role_count;
	struct wo_user *user; /* optional embedded user */
};

struct wo_membership_list {
	struct wo_membership *items;
	size_t count;
	struct wo_list_metadata list_metadata;
	struct wo_list_skip *skipped; /* items left out of `items` */
	size_t skipped_count;
};

/* An event of GET /events ({id, event, data, created_at, context?}; SDK
 * EventResponseBase).  The six directory events carry their object in
 * `user` or `membership` (decoded by the user and membership rules; a bad
 * one fails the page: an event we cannot read must not be stepped over).
 * Any other event name is kept as WO_EVENT_OTHER with no data, for the
 * reader to skip. */
enum wo_event_kind {
	WO_EVENT_OTHER = 0,
	WO_EVENT_USER_CREATED,
	WO_EVENT_USER_UPDATED,
	WO_EVENT_USER_DELETED,
	WO_EVENT_MEMBERSHIP_CREATED,
	WO_EVENT_MEMBERSHIP_UPDATED,
	WO_EVENT_MEMBERSHIP_DELETED,
};

struct wo_event {
	char *id; /* event_... */
	enum wo_event_kind kind;
	char *created_at;		  /* ISO 8601 text */
	struct wo_user *user;		  /* user.* */
	struct wo_membership *membership; /* organization_membership.* */
};

struct wo_event_list {
	struct wo_event *items;
	size_t count;
	struct wo_list_metadata list_metadata;
};

void wo_device_authorization_clear(struct wo_device_authorization *d);
void wo_user_clear(struct wo_user *u);
void wo_impersonator_clear(struct wo_impersonator *i);
void wo_authentication_clear(struct wo_authentication *a);
void wo_factor_clear(struct wo_factor *f);
void wo_organization_clear(struct wo_organization *o);
void wo_api_error_clear(struct wo_api_error *e);
void wo_challenge_clear(struct wo_challenge *c);
void wo_verification_clear(struct wo_verification *v);
void wo_enrollment_clear(struct wo_enrollment *e);
void wo_list_metadata_clear(struct wo_list_metadata *m);
void wo_factor_list_clear(struct wo_factor_list *l);
void wo_user_list_clear(struct wo_user_list *l);
void wo_membership_clear(struct wo_membership *m);
void wo_membership_list_clear(struct wo_membership_list *l);
void wo_event_clear(struct wo_event *e);
void wo_event_list_clear(struct wo_event_list *l);

/* metadata[key] of a user, borrowed; NULL when the key is not there. */
const char *wo_user_metadata(const struct wo_user *u, const char *key);

/* True for status "active" only: anything else, known or new, is not. */
bool wo_membership_is_active(const struct wo_membership *m);

#endif
