#include "bot/log/log.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "builders/utc_time.hpp"

namespace calico::log {

namespace {

std::atomic<Level> g_level{Level::info};
std::atomic<config::LogFormat> g_format{config::LogFormat::logfmt};
std::mutex g_write_mutex;

void append_escaped(std::string& out, std::string_view value, bool json) {
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char hex[8];
          std::snprintf(hex, sizeof hex, json ? "\\u%04x" : "\\x%02x", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void append_logfmt(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += key;
  out += '=';
  if (needs_quotes(value)) {
    out += '"';
    append_escaped(out, value, false);
    out += '"';
  } else {
    out += value;
  }
}

void append_json(std::string& out, std::string_view key, std::string_view value, bool quoted = true) {
  out += out.size() > 1 ? ",\"" : "\"";
  append_escaped(out, key, true);
  out += "\":";
  if (!quoted) {
    out += value;
    return;
  }
  out += '"';
  append_escaped(out, value, true);
  out += '"';
}

// The line's own keys cannot be taken by a field: JSON readers keep only the last of two.
std::string field_key(std::string_view key) {
  for (std::string_view reserved : {"ts", "level", "event"}) {
    if (key == reserved) return "field." + std::string(key);
  }
  return std::string(key);
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  value = buffer;
  // JSON has no NaN or infinity: those stay text.
  if (std::isfinite(v)) kind = Kind::number;
}

void configure(Level level, config::LogFormat format) {
  g_level = level;
  g_format = format;
}

bool enabled(Level level) { return static_cast<int>(level) >= static_cast<int>(g_level.load()); }

std::string format_line(Level level, config::LogFormat format, std::string_view timestamp,
                        std::string_view event, std::initializer_list<Field> fields) {
  std::string out;
  const bool json = format == config::LogFormat::json;
  auto add = [&](std::string_view key, std::string_view value, bool quoted) {
    if (json) append_json(out, key, value, quoted);
    else append_logfmt(out, key, value);
  };
  if (json) out += '{';
  add("ts", timestamp, true);
  add("level", config::to_string(level), true);
  add("event", event, true);
  for (const Field& field : fields) add(field_key(field.key), field.value, field.kind == Field::Kind::text);
  if (json) out += '}';
  out += '\n';
  return out;
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  const std::string line = format_line(level, g_format.load(), builders::iso8601_millis(std::chrono::system_clock::now()), event, fields);
  std::lock_guard lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace calico::log
