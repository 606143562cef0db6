// The status page's routes: / and /builds/<id> (HTML), /builds/<id>/logs/<job>[/raw], and
// /api/builds[/<id>] (JSON). Store reads run on the store's thread; a log is read from the
// path the store recorded for that job (never a path built from the URL), on a thread of its
// own so that neither the store nor the HTTP I/O threads wait for the disk.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "bot/http/message.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"

namespace calico::status_page {

class Handler {
 public:
  explicit Handler(store::Store& store);
  ~Handler();
  // Answers and returns true when `path` is the status page's; false leaves it to others.
  bool handle(const http::Request& request, const http::Respond& respond);

 private:
  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  struct FileReads;
  std::unique_ptr<FileReads> file_reads_;
};

}  // namespace calico::status_page
