/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include "json.h"
#include "tap.h"

static struct json_object *parse(const char *text)
{
	struct json_object *obj = NULL;
	struct wo_error err;

	if (wo_json_parse_object(text, strlen(text), &obj, &err) != 0)
		return NULL;
	return obj;
}

static void parse_fails(const char *text, const char *needle, const char *why)
{
	struct json_object *obj = NULL;
	struct wo_error err = WO_ERROR_INIT;

	ok(wo_json_parse_object(text, strlen(text), &obj, &err) != 0 && obj == NULL &&
	       err.kind == WO_ERR_DECODE,
	   "parse refused: %s", why);
	like(err.message, needle, "  message: %s", why);
}

static void test_parse(void)
{
	struct json_object *obj = parse(" {\"a\": 1}\n");
	ok(obj != NULL, "object with surrounding white space parses");
	json_object_put(obj);

	parse_fails("", "truncated", "empty body");
	parse_fails("{\"a\": ", "truncated", "truncated body");
	parse_fails("[1,2]", "not a JSON object", "array at top level");
	parse_fails("\"x\"", "not a JSON object", "string at top level");
	parse_fails("{\"a\":1} x", "JSON", "trailing garbage");
	parse_fails("{\"a\":1}{}", "JSON", "two values");
	parse_fails("{\"a\":'x'}", "not valid JSON", "single-quoted string value");
	parse_fails("{\"a\":1,}", "not valid JSON", "trailing comma");
	parse_fails("{\"a\":\"\xff\"}", "not valid JSON", "invalid UTF-8");
	parse_fails("<html>502 Bad Gateway</html>", "not valid JSON", "HTML error page");

	char deep[200] = "{\"a\":";
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	parse_fails(deep, "JSON", "nesting beyond the depth bound");
}

static void test_getters(void)
{
	struct json_object *obj =
	    parse("{\"s\":\"hello\",\"n\":null,\"i\":42,\"neg\":-1,\"big\":1e400,"
		  "\"d\":1.5,\"b\":true,\"o\":{},\"arr\":[1,2,3],\"empty\":\"\","
		  "\"nul\":\"a\\u0000b\",\"esc\":\"\\u001b[31m\",\"c1\":\"\\u009b\","
		  "\"utf\":\"Ad\\u00e9la\",\"id\":\"user_01H\",\"badid\":\"user 1\","
		  "\"str_int\":\"42\",\"huge\":99999999999999999999}");
	struct wo_error err = WO_ERROR_INIT;
	char *s = NULL;
	int64_t n = 0;
	bool b = false;
	struct json_object *sub = NULL;

	ok(obj != NULL, "fixture parses");
	if (obj == NULL)
		return;

	ok(wo_json_string(obj, "thing", "s", WO_JSON_REQUIRED, 64, &s, &err) == 0, "string");
	is_str(s, "hello", "string value");
	free(s);
	ok(wo_json_string(obj, "thing", "missing", WO_JSON_REQUIRED, 64, &s, &err) != 0,
	   "missing required string fails");
	like(err.message, "thing: field \"missing\" is missing",
	     "  message names object and field");
	ok(wo_json_string(obj, "thing", "missing", 0, 64, &s, &err) == 0 && s == NULL,
	   "missing optional string is NULL");
	ok(wo_json_string(obj, "thing", "n", 0, 64, &s, &err) == 0 && s == NULL,
	   "null optional string is NULL");
	ok(wo_json_string(obj, "thing", "n", WO_JSON_REQUIRED, 64, &s, &err) != 0,
	   "null required string fails");
	ok(wo_json_string(obj, "thing", "i", 0, 64, &s, &err) != 0, "integer is not a string");
	like(err.message, "is not a string", "  message says type");
	ok(wo_json_string(obj, "thing", "s", 0, 3, &s, &err) != 0, "too long string fails");
	like(err.message, "too long", "  message says too long");
	ok(wo_json_string(obj, "thing", "empty", WO_JSON_REQUIRED, 64, &s, &err) != 0,
	   "empty required string fails");
	ok(wo_json_string(obj, "thing", "nul", 0, 64, &s, &err) != 0, "embedded NUL refused");
	ok(wo_json_string(obj, "thing", "esc", 0, 64, &s, &err) != 0,
	   "terminal escape sequence refused");
	ok(wo_json_string(obj, "thing", "c1", 0, 64, &s, &err) != 0, "C1 control (CSI) refused");
	ok(wo_json_string(obj, "thing", "utf", 0, 64, &s, &err) == 0, "UTF-8 text allowed");
	is_str(s, "Ad\xc3\xa9la", "UTF-8 text value");
	free(s);
	ok(wo_json_string(obj, "thing", "utf", WO_JSON_TOKEN, 64, &s, &err) != 0,
	   "non-ASCII refused in a token");

	ok(wo_json_id(obj, "thing", "id", "user_", WO_JSON_REQUIRED, &s, &err) == 0, "id");
	is_str(s, "user_01H", "id value");
	free(s);
	ok(wo_json_id(obj, "thing", "id", "org_", WO_JSON_REQUIRED, &s, &err) != 0,
	   "id with the wrong prefix fails");
	like(err.message, "not a org_... identifier", "  message names the prefix");
	ok(wo_json_id(obj, "thing", "badid", "user_", WO_JSON_REQUIRED, &s, &err) != 0,
	   "id with a space fails");

	ok(wo_json_int(obj, "thing", "i", WO_JSON_REQUIRED, 0, 100, 0, &n, &err) == 0 && n == 42,
	   "integer");
	ok(wo_json_int(obj, "thing", "neg", WO_JSON_REQUIRED, 0, 100, 0, &n, &err) != 0,
	   "integer below range fails");
	ok(wo_json_int(obj, "thing", "huge", WO_JSON_REQUIRED, 0, INT64_MAX - 1, 0, &n, &err) != 0,
	   "saturated huge integer fails");
	ok(wo_json_int(obj, "thing", "d", WO_JSON_REQUIRED, 0, 100, 0, &n, &err) != 0,
	   "double is not an integer");
	ok(wo_json_int(obj, "thing", "str_int", WO_JSON_REQUIRED, 0, 100, 0, &n, &err) != 0,
	   "numeric string is not an integer");
	ok(wo_json_int(obj, "thing", "missing", 0, 0, 100, 7, &n, &err) == 0 && n == 7,
	   "absent optional integer gives the default");

	ok(wo_json_bool(obj, "thing", "b", WO_JSON_REQUIRED, false, &b, &err) == 0 && b, "bool");
	ok(wo_json_bool(obj, "thing", "i", WO_JSON_REQUIRED, false, &b, &err) != 0,
	   "integer is not a bool");

	ok(wo_json_object(obj, "thing", "o", WO_JSON_REQUIRED, &sub, &err) == 0 && sub != NULL,
	   "object");
	ok(wo_json_object(obj, "thing", "arr", WO_JSON_REQUIRED, &sub, &err) != 0,
	   "array is not an object");
	ok(wo_json_array(obj, "thing", "arr", WO_JSON_REQUIRED, 3, &sub, &err) == 0 && sub != NULL,
	   "array within bound");
	ok(wo_json_array(obj, "thing", "arr", WO_JSON_REQUIRED, 2, &sub, &err) != 0,
	   "array over bound fails");
	like(err.message, "more than 2 items", "  message says bound");
	json_object_put(obj);
}

static void test_printable(void)
{
	ok(wo_text_is_printable("abc", 3), "ASCII printable");
	ok(!wo_text_is_printable("a\tb", 3), "tab is a control character");
	ok(!wo_text_is_printable("\xc0\xaf", 2), "overlong UTF-8 refused");
	ok(!wo_text_is_printable("\xed\xa0\x80", 3), "surrogate refused");
	ok(!wo_text_is_printable("\xe2\x82", 2), "truncated sequence refused");
	ok(wo_text_is_printable("\xe2\x96\x80", 3), "half block allowed");
}

/* json-c keeps the last of duplicate members and cuts keys at an escaped
 * NUL; wo_json_parse_object refuses both. */
static void test_keys(void)
{
	struct json_object *obj;
	int64_t n = 0;
	struct wo_error err = WO_ERROR_INIT;

	parse_fails("{\"a\":1,\"a\":2}", "duplicate key", "duplicate key");
	parse_fails("{\"a\":1,\"\\u0061\":2}", "duplicate key", "duplicate key spelt as an escape");
	parse_fails("{\"\\u00e9\":1,\"\xc3\xa9\":2}", "duplicate key",
		    "duplicate non-ASCII key, escaped and raw");
	parse_fails("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", "duplicate key",
		    "duplicate key with a surrogate pair");
	parse_fails("{\"o\":{\"x\":[{\"k\":1,\"k\":1}]}}", "duplicate key",
		    "duplicate key deep inside arrays");
	parse_fails("{\"user\":{\"email\":\"a@b\"},\"user\":{\"email\":\"c@d\"}}", "duplicate key",
		    "duplicate object member");
	parse_fails("{\"email\\u0000x\":\"evil\"}", "NUL", "NUL in a key");
	parse_fails("{\"o\":{\"\\u0000\":1}}", "NUL", "NUL as a whole nested key");
	parse_fails("{\"\\ud800\":1}", "surrogate", "lone high surrogate in a key");
	parse_fails("{\"\\udc00x\":1}", "surrogate", "lone low surrogate in a key");

	obj = parse("{\"a\":1,\"A\":2,\"a \":3,\"\\\"q\\\\\":{\"a\":[{\"a\":1},{\"a\":2}]},"
		    "\"s\":\"x\\u0000y\",\"t\\tab\":true,\"\":null}");
	ok(obj != NULL, "distinct keys, the same key in sibling objects, escapes, empty key");
	ok(obj != NULL && wo_json_int(obj, "t", "A", WO_JSON_REQUIRED, 0, 9, 0, &n, &err) == 0 &&
	       n == 2,
	   "  keys are case-sensitive");
	json_object_put(obj);
	parse_fails("{\"n\":NaN}", "not valid JSON", "NaN");
	parse_fails("{\"n\":[Infinity]}", "not valid JSON", "Infinity");
	parse_fails("{\"n\":-infinity}", "not valid JSON", "-infinity");
	parse_fails("{\"n\":1.}", "not valid JSON", "a number ending in a point");
	obj =
	    parse("{\"n\":[0,-0,1e5,1E+5,-2.5e-3,123456789012345678901234567890,true,false,null]}");
	ok(obj != NULL, "every JSON number form and literal is accepted");
	json_object_put(obj);
	obj = parse("{ \"a\" : [ 1 , { \"b\" : null } , \"}\" ] , \"c\" : -1.5e3 }");
	ok(obj != NULL, "white space between every token");
	json_object_put(obj);
}

int main(void)
{
	test_parse();
	test_getters();
	test_printable();
	test_keys();
	return done_testing();
}
