// The server's answers as bytes: read back by Beast's own response parser, which is what a
// client's HTTP library does with them.
#include "bot/http/response_bytes.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

namespace calico::http {
namespace {

namespace bhttp = boost::beast::http;

bhttp::response<bhttp::string_body> parsed(const std::string& bytes) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(bytes), ec);
  EXPECT_FALSE(ec) << ec.message() << " in:\n" << bytes;
  EXPECT_TRUE(parser.is_done()) << bytes;
  EXPECT_EQ(used, bytes.size()) << "bytes after the message:\n" << bytes;
  return parser.release();
}

TEST(ResponseBytes, AJsonAnswerReadsBackWithItsStatusReasonHeadersAndBody) {
  Response response = json_response(202, "{\"status\":\"recorded\"}\n");
  response.headers.emplace_back("Cache-Control", "no-store");
  const auto message = parsed(response_bytes(response, 11, true));
  EXPECT_EQ(message.result_int(), 202);
  EXPECT_EQ(message.reason(), "Accepted");
  EXPECT_EQ(message.version(), 11u);
  EXPECT_EQ(message[bhttp::field::content_type], "application/json");
  EXPECT_EQ(message[bhttp::field::server], "calico-release-bot");
  EXPECT_EQ(message["Cache-Control"], "no-store");
  EXPECT_EQ(message[bhttp::field::content_length], std::to_string(response.body.size()));
  EXPECT_EQ(message.body(), response.body);
  EXPECT_TRUE(message.keep_alive());
}

TEST(ResponseBytes, ConnectionSaysWhatTheVersionsDefaultDoesNot) {
  const Response response = text_response(200, "ok");
  EXPECT_FALSE(parsed(response_bytes(response, 11, false)).keep_alive());
  EXPECT_TRUE(parsed(response_bytes(response, 11, true)).keep_alive());
  EXPECT_TRUE(parsed(response_bytes(response, 10, true)).keep_alive());
  EXPECT_FALSE(parsed(response_bytes(response, 10, false)).keep_alive());
  EXPECT_EQ(parsed(response_bytes(response, 10, true)).version(), 10u);
}

TEST(ResponseBytes, AnEmptyBodyHasALengthOfZeroAndAnOwnContentTypeReplacesTheDefault) {
  Response response;
  response.status = 405;
  response.headers.emplace_back("Allow", "GET");
  response.headers.emplace_back("content-type", "text/html; charset=utf-8");
  const std::string bytes = response_bytes(response, 11, true);
  const auto message = parsed(bytes);
  EXPECT_EQ(message.result_int(), 405);
  EXPECT_EQ(message[bhttp::field::content_length], "0");
  EXPECT_EQ(message["Allow"], "GET");
  EXPECT_EQ(message[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(bytes.find("text/plain"), std::string::npos) << bytes;
}

TEST(ResponseBytes, AHeaderThatWouldSplitTheAnswerOrFramingOfOurOwnIsRefused) {
  Response response = text_response(200, "ok");
  response.headers.emplace_back("Location", "/builds/1\r\nSet-Cookie: x=1");
  EXPECT_THROW(response_bytes(response, 11, true), InvalidResponseHeader);
  response.headers.back() = {"Bad Name", "x"};
  EXPECT_THROW(response_bytes(response, 11, true), InvalidResponseHeader);
  response.headers.back() = {"Content-Length", "5"};
  EXPECT_THROW(response_bytes(response, 11, true), InvalidResponseHeader);
  response.headers.back() = {"Connection", "close"};
  EXPECT_THROW(response_bytes(response, 11, true), InvalidResponseHeader);
  response.headers.clear();
  response.content_type = "text/plain\n";
  EXPECT_THROW(response_bytes(response, 11, true), InvalidResponseHeader);
  response.content_type = "text/plain";
  response.status = 2000;
  EXPECT_THROW(response_bytes(response, 11, true), InvalidResponseHeader);
}

}  // namespace
}  // namespace calico::http
