// Structured logging: one line per event, `ts=… level=… event=… key=value…` (logfmt) or one JSON
// object per line. Callers pass an event name and fields; values are escaped, never interpreted.
// Secrets have no way in: config::Secret cannot be turned into a field.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace calico::log {

// A field's value keeps its type in JSON lines: numbers and booleans unquoted, text quoted. A
// field named like the line's own keys (ts, level, event) is written as "field.<key>".
struct Field {
  enum class Kind { text, number, boolean };
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)), kind(Kind::number) {}
  Field(std::string_view k, unsigned long long v) : key(k), value(std::to_string(v)), kind(Kind::number) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), kind(Kind::number) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::to_string(v)), kind(Kind::number) {}
  Field(std::string_view k, long v) : key(k), value(std::to_string(v)), kind(Kind::number) {}
  Field(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)), kind(Kind::number) {}
  Field(std::string_view k, double v);
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), kind(Kind::boolean) {}
  Field(std::string_view, const config::Secret&) = delete;

  std::string_view key;
  std::string value;
  Kind kind = Kind::text;
};

using Level = config::LogLevel;

// Process-wide settings; set once at start-up (defaults: info, logfmt, stderr).
void configure(Level level, config::LogFormat format);
bool enabled(Level level);

void write(Level level, std::string_view event, std::initializer_list<Field> fields);

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) { write(Level::debug, event, fields); }
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) { write(Level::info, event, fields); }
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) { write(Level::warn, event, fields); }
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) { write(Level::error, event, fields); }

// Formatting, exposed for tests.
std::string format_line(Level level, config::LogFormat format, std::string_view timestamp,
                        std::string_view event, std::initializer_list<Field> fields);

}  // namespace calico::log
