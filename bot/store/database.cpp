#include "bot/store/database.hpp"

namespace calico::store {

Statement Database::prepare(std::string_view sql) {
  const auto it = idle_.find(sql);
  if (it != idle_.end() && !it->second.empty()) {
    Cursor* cursor = it->second.back().release();
    it->second.pop_back();
    --idle_count_;
    return Statement(*this, cursor);
  }
  return Statement(*this, make_cursor(std::string(sql)).release());
}

void Database::give_back(Cursor* cursor) {
  // Bounded: SQL text is a fixed set in the bot, but a caller could build it.
  constexpr std::size_t kMaxIdle = 256;
  std::unique_ptr<Cursor> owned(cursor);
  owned->reset();
  if (idle_count_ >= kMaxIdle) return;
  auto it = idle_.find(std::string_view(owned->sql()));
  if (it == idle_.end()) it = idle_.emplace(owned->sql(), std::vector<std::unique_ptr<Cursor>>{}).first;
  auto& cursors = it->second;
  if (cursors.size() >= 4) return;
  cursors.push_back(std::move(owned));
  ++idle_count_;
}

void Database::forget_cursors() {
  idle_.clear();
  idle_count_ = 0;
}

Statement::~Statement() {
  if (cursor_) owner_->give_back(cursor_);
}

Statement& Statement::bind(int index, std::string_view text) {
  cursor_->bind_text(index, text);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  cursor_->bind_int(index, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  cursor_->bind_null(index);
  return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

bool Statement::step() { return cursor_->step(); }

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() { cursor_->reset(); }

std::int64_t Statement::column_int(int index) const { return cursor_->column_int(index); }

std::string Statement::column_text(int index) const { return cursor_->column_text(index); }

std::optional<std::string> Statement::column_optional_text(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_text(index);
}

bool Statement::column_is_null(int index) const { return cursor_->column_is_null(index); }

}  // namespace calico::store
