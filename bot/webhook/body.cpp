#include "bot/webhook/body.hpp"

#include <algorithm>
#include <cctype>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>

namespace calico::webhook {

namespace {
std::string lower_trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
}  // namespace

std::optional<BodyKind> classify_content_type(std::string_view content_type) {
  const std::string media_type = lower_trimmed(content_type.substr(0, content_type.find(';')));
  if (media_type == "application/json") return BodyKind::json;
  if (media_type == "application/x-www-form-urlencoded") return BodyKind::form;
  return std::nullopt;
}

std::string extract_json_payload(BodyKind kind, std::string_view body) {
  if (kind == BodyKind::json) return std::string(body);
  if (body.empty()) throw MalformedBody("the form body is empty");
  // Boost.URL 1.81's parse_query reads one byte past the end of its input (ASan in tests/fuzz
  // caught it on a view that was not NUL-terminated), so give it a NUL-terminated copy.
  const std::string terminated(body);
  auto parsed = boost::urls::parse_query(terminated);
  if (!parsed) throw MalformedBody("the form body is not valid URL encoding");
  boost::urls::encoding_opts options;
  options.space_as_plus = true;  // forms encode spaces as '+'
  auto decode = [&](boost::urls::pct_string_view encoded) {
    const boost::urls::decode_view decoded(encoded, options);
    return std::string(decoded.begin(), decoded.end());
  };
  std::optional<std::string> payload;
  for (const boost::urls::param_pct_view& param : *parsed) {
    if (decode(param.key) != "payload") continue;
    if (payload) throw MalformedBody("the form body has more than one payload field");
    payload = decode(param.value);
  }
  if (!payload) throw MalformedBody("the form body has no payload field");
  return std::move(*payload);
}

}  // namespace calico::webhook
