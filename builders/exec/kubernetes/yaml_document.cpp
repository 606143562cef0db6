#include "builders/exec/kubernetes/yaml_document.hpp"

#include <yaml.h>

#include <memory>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace calico::builders::exec::kubernetes {

namespace {

struct Parser {
  yaml_parser_t parser;
  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() { yaml_parser_delete(&parser); }
};

struct Event {
  yaml_event_t event;
  bool held = false;
  ~Event() {
    if (held) yaml_event_delete(&event);
  }
};

// One container being filled: a mapping waits for a key, then for its value.
struct Open {
  boost::json::value value;
  std::string key;
  bool have_key = false;
};

[[noreturn]] void fail_at(const std::string& origin, std::size_t line, const std::string& why) {
  throw YamlError(origin + ":" + std::to_string(line + 1) + ": " + why);
}

}  // namespace

boost::json::value read_yaml(const std::string& text, const std::string& origin) {
  Parser p;
  yaml_parser_set_input_string(&p.parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::vector<Open> stack;
  boost::json::value root;
  bool have_root = false;
  auto fail = [&](std::size_t line, const std::string& why) { fail_at(origin, line, why); };
  // Puts a finished value where it belongs: the root, a sequence's next item, a mapping's key or value.
  auto place = [&](boost::json::value value, std::size_t line) {
    if (stack.empty()) {
      root = std::move(value);
      have_root = true;
      return;
    }
    Open& top = stack.back();
    if (top.value.is_array()) {
      top.value.as_array().push_back(std::move(value));
    } else if (!top.have_key) {
      if (!value.is_string()) fail(line, "a mapping key must be a plain string");
      top.key = std::string(value.as_string());
      top.have_key = true;
    } else {
      top.value.as_object()[top.key] = std::move(value);
      top.have_key = false;
    }
  };
  for (;;) {
    Event e;
    if (!yaml_parser_parse(&p.parser, &e.event)) {
      const std::string problem = p.parser.problem ? p.parser.problem : "not YAML";
      fail(p.parser.problem_mark.line, problem);
    }
    e.held = true;
    const std::size_t line = e.event.start_mark.line;
    switch (e.event.type) {
      case YAML_STREAM_END_EVENT: return have_root ? root : boost::json::value(nullptr);
      case YAML_DOCUMENT_END_EVENT: return root;  // the first document only
      case YAML_ALIAS_EVENT: fail_at(origin, line, "aliases (*name) are not supported");
      case YAML_SCALAR_EVENT:
        if (e.event.data.scalar.anchor) fail(line, "anchors (&name) are not supported");
        place(boost::json::string(reinterpret_cast<const char*>(e.event.data.scalar.value), e.event.data.scalar.length), line);
        break;
      case YAML_SEQUENCE_START_EVENT: stack.push_back({boost::json::array{}, {}, false}); break;
      case YAML_MAPPING_START_EVENT: stack.push_back({boost::json::object{}, {}, false}); break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        boost::json::value done = std::move(stack.back().value);
        stack.pop_back();
        place(std::move(done), line);
        break;
      }
      default: break;  // stream and document starts
    }
  }
}

}  // namespace calico::builders::exec::kubernetes
