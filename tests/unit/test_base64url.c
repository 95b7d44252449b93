/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdlib.h>

#include "base64url.h"
#include "tap.h"

static void decodes(const char *text, const char *want, size_t want_len, const char *why)
{
	struct wo_error err = WO_ERROR_INIT;
	unsigned char *out = NULL;
	size_t len = 0;
	int rc = wo_base64url_decode(text, strlen(text), &out, &len, &err);

	ok(rc == 0 && len == want_len && memcmp(out, want, want_len) == 0 && out[len] == '\0',
	   "decodes: %s", why);
	free(out);
}

static void refused(const char *text, size_t len, const char *needle, const char *why)
{
	struct wo_error err = WO_ERROR_INIT;
	unsigned char *out = (unsigned char *)"sentinel";
	size_t out_len = 99;

	ok(wo_base64url_decode(text, len, &out, &out_len, &err) == -1 && out == NULL &&
	       out_len == 0 && err.kind == WO_ERR_DECODE,
	   "refused: %s", why);
	like(err.message, needle, "  message: %s", why);
}

static void encodes(const char *data, size_t len, const char *want, const char *why)
{
	struct wo_error err = WO_ERROR_INIT;
	char *out = NULL;

	ok(wo_base64url_encode(data, len, &out, &err) == 0, "encodes: %s", why);
	is_str(out, want, "  text: %s", why);
	free(out);
}

static void test_vectors(void)
{
	/* RFC 4648 section 10, without the padding. */
	static const struct {
		const char *data, *text;
	} v[] = {
	    {"", ""},		{"f", "Zg"},	      {"fo", "Zm8"},	      {"foo", "Zm9v"},
	    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		encodes(v[i].data, strlen(v[i].data), v[i].text, v[i].data);
		decodes(v[i].text, v[i].data, strlen(v[i].data), v[i].text);
	}
	/* The two characters that differ from standard base64 ('+' and '/'). */
	encodes("\xfb\xff\xbf", 3, "-_-_", "bytes that use '-' and '_'");
	decodes("-_-_", "\xfb\xff\xbf", 3, "'-' and '_'");
	decodes("AAEC", "\x00\x01\x02", 3, "NUL bytes in the data");
}

static void test_strict(void)
{
	static const struct {
		const char *text;
		size_t len;
		const char *needle, *why;
	} bad[] = {
	    {"Zg==", 4, "offset 2", "padding"},
	    {"Zg=", 3, "offset 2", "partial padding"},
	    {"Z", 1, "impossible length", "one character"},
	    {"Zm9vY", 5, "impossible length", "4n+1 characters"},
	    {"Zh", 2, "trailing bits", "non-zero bits after the last byte (2 chars)"},
	    {"Zm9", 3, "trailing bits", "non-zero bits after the last byte (3 chars)"},
	    {"+/8A", 4, "offset 0", "standard base64 alphabet"},
	    {"Zm9v YmFy", 9, "offset 4", "inner space"},
	    {"Zm9vYmFy\n", 9, "offset 8", "trailing newline"},
	    {" Zm9v", 5, "offset 0", "leading space"},
	    {"Zm\0v", 4, "offset 2", "NUL inside"},
	    {"Zm9\xc3\xa9", 5, "offset 3", "non-ASCII at an odd length"},
	    {"Zm\xc3\xa9", 4, "offset 2", "non-ASCII"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i].text, bad[i].len, bad[i].needle, bad[i].why);
}

/* Every length around the block boundaries, every byte value. */
static void test_round_trip(void)
{
	unsigned char data[300];
	int good = 1;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 151 + 7);
	for (size_t len = 0; len <= sizeof(data); len++) {
		struct wo_error err = WO_ERROR_INIT;
		char *text = NULL;
		unsigned char *back = NULL;
		size_t back_len = 0;

		if (wo_base64url_encode(data, len, &text, &err) != 0 ||
		    strlen(text) != (len * 4 + 2) / 3 ||
		    wo_base64url_decode(text, strlen(text), &back, &back_len, &err) != 0 ||
		    back_len != len || memcmp(back, data, len) != 0) {
			diag("round trip fails at length %zu", len);
			good = 0;
		}
		free(text);
		free(back);
	}
	ok(good, "encode then decode gives the data back, lengths 0 to 300");
}

int main(void)
{
	test_vectors();
	test_strict();
	test_round_trip();
	return done_testing();
}
