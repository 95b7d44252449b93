/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include "body.h"
#include "json.h"
#include "tap.h"

int main(void)
{
	struct wo_body b;
	struct wo_error err = WO_ERROR_INIT;
	struct json_object *obj = NULL, *v = NULL;
	char *s = NULL;

	wo_body_init(&b);
	wo_body_string(&b, "grant_type", "password");
	wo_body_string(&b, "password", "p\"a\\s\ns\x01w\xc3\xa9");
	wo_body_string_opt(&b, "absent", NULL);
	wo_body_object_begin(&b, "event");
	wo_body_string(&b, "action", "user.login");
	wo_body_array_begin(&b, "targets");
	wo_body_object_begin(&b, NULL);
	wo_body_string(&b, "id", "host1");
	wo_body_object_end(&b);
	wo_body_object_begin(&b, NULL);
	wo_body_string(&b, "id", "host2");
	wo_body_object_end(&b);
	wo_body_array_end(&b);
	wo_body_object_end(&b);
	ok(wo_body_finish(&b, &err) == 0, "body builds");
	ok(wo_json_parse_object(b.buf, b.len, &obj, &err) == 0, "body is strict JSON: %s", b.buf);
	wo_json_string(obj, "body", "password", 0, 64, &s, &err);
	ok(s == NULL, "control characters are refused by the strict reader, as expected");
	ok(json_object_object_get_ex(obj, "password", &v) &&
	       strcmp(json_object_get_string(v), "p\"a\\s\ns\x01w\xc3\xa9") == 0,
	   "quotes, backslash, newline, control and UTF-8 round-trip");
	ok(!json_object_object_get_ex(obj, "absent", &v), "optional NULL member omitted");
	ok(json_object_object_get_ex(obj, "event", &v) &&
	       json_object_object_get_ex(v, "targets", &v) && json_object_array_length(v) == 2,
	   "nested object with an array of two objects");
	json_object_put(obj);
	wo_body_clear(&b);
	ok(b.buf == NULL && b.len == 0, "cleared");

	wo_body_init(&b);
	wo_body_string(&b, "bad", "\xff\xfe");
	ok(wo_body_finish(&b, &err) != 0, "invalid UTF-8 refused");
	wo_body_clear(&b);

	wo_body_init(&b);
	wo_body_object_begin(&b, "open");
	ok(wo_body_finish(&b, &err) != 0, "unbalanced object refused");
	wo_body_clear(&b);

	/* Growth across many reallocations keeps the content intact. */
	wo_body_init(&b);
	char key[16];
	for (int i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		wo_body_string(&b, key, key);
	}
	ok(wo_body_finish(&b, &err) == 0 && wo_json_parse_object(b.buf, b.len, &obj, &err) == 0,
	   "large body parses");
	ok(json_object_object_length(obj) == 500, "500 members");
	json_object_put(obj);
	wo_body_clear(&b);
	return done_testing();
}
