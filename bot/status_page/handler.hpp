// The status page's routes: / and /builds/<id> (HTML), /builds/<id>/logs/<job>[/raw], and
// /api/builds[/<id>] (JSON). Store reads run on the store's thread; a log is read from the
// path the store recorded for that job (never a path built from the URL).
#pragma once

#include <optional>
#include <string_view>

#include "bot/http/message.hpp"
#include "bot/store/store.hpp"

namespace calico::status_page {

class Handler {
 public:
  explicit Handler(store::Store& store) : store_(store) {}
  // Answers and returns true when `path` is the status page's; false leaves it to others.
  bool handle(const http::Request& request, const http::Respond& respond);

 private:
  store::Store& store_;
};

}  // namespace calico::status_page
