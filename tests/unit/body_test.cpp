#include <gtest/gtest.h>

#include "bot/webhook/body.hpp"
#include "tests/support/http_client.hpp"

using namespace calico::webhook;

TEST(ContentType, RecognisesJsonAndFormWithParameters) {
  EXPECT_EQ(classify_content_type("application/json"), BodyKind::json);
  EXPECT_EQ(classify_content_type("application/json; charset=utf-8"), BodyKind::json);
  EXPECT_EQ(classify_content_type(" Application/JSON "), BodyKind::json);
  EXPECT_EQ(classify_content_type("application/x-www-form-urlencoded"), BodyKind::form);
  EXPECT_EQ(classify_content_type("application/x-www-form-urlencoded;charset=UTF-8"), BodyKind::form);
}

TEST(ContentType, RefusesEverythingElse) {
  for (const char* type : {"", "text/plain", "application/jsonp", "multipart/form-data; boundary=x", "application/xml",
                           "json", "application/"}) {
    EXPECT_FALSE(classify_content_type(type).has_value()) << type;
  }
}

TEST(FormBody, DecodesThePayloadField) {
  const std::string json = R"({"zen":"Design for failure.","n":1})";
  EXPECT_EQ(extract_json_payload(BodyKind::form, calico::testkit::form_encode_payload(json)), json);
}

TEST(FormBody, DecodesPlusAsSpaceAndPercentEscapes) {
  EXPECT_EQ(extract_json_payload(BodyKind::form, "payload=%7B%22a%22%3A%22b+c%2Bd%22%7D"), R"({"a":"b c+d"})");
}

TEST(FormBody, KeepsUnicodeIntact) {
  const std::string json = "{\"body\":\"caf\xc3\xa9 \xf0\x9f\x9a\x80 \xe6\x97\xa5\xe6\x9c\xac\"}";
  EXPECT_EQ(extract_json_payload(BodyKind::form, calico::testkit::form_encode_payload(json)), json);
}

TEST(FormBody, EmbeddedNulIsRefusedNotTruncated) {
  EXPECT_THROW(extract_json_payload(BodyKind::form, std::string("payload=%7B%7D\0&x=1", 19)), MalformedBody);
}

TEST(FormBody, IgnoresOtherFields) {
  EXPECT_EQ(extract_json_payload(BodyKind::form, "other=1&payload=%7B%7D&x"), "{}");
}

TEST(FormBody, RefusesMissingDuplicateOrBrokenPayloads) {
  EXPECT_THROW(extract_json_payload(BodyKind::form, ""), MalformedBody);
  const char unterminated[2] = {'x', 'y'};  // an empty view at the end of a buffer with no NUL after it
  EXPECT_THROW(extract_json_payload(BodyKind::form, std::string_view(unterminated + 2, 0)), MalformedBody);
  EXPECT_THROW(extract_json_payload(BodyKind::form, "payloads=%7B%7D"), MalformedBody);
  EXPECT_THROW(extract_json_payload(BodyKind::form, "payload=%7B%7D&payload=%7B%7D"), MalformedBody);
  EXPECT_THROW(extract_json_payload(BodyKind::form, "payload=%7"), MalformedBody);
  EXPECT_THROW(extract_json_payload(BodyKind::form, "payload=%ZZ"), MalformedBody);
}

TEST(JsonBody, IsPassedThroughUnchanged) {
  EXPECT_EQ(extract_json_payload(BodyKind::json, "{\"a\": 1}"), "{\"a\": 1}");
}
