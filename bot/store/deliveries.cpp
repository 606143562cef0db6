#include "bot/store/deliveries.hpp"

#include "bot/util/time_format.hpp"

namespace calico::store {

namespace {
constexpr std::string_view kDeliveryColumns = "seq, guid, event, action, repository, payload, received_at, processed_at, outcome";

ReceivedDelivery read_row(const Statement& row) {
  ReceivedDelivery stored;
  stored.seq = row.column_int(0);
  stored.delivery.guid = row.column_text(1);
  stored.delivery.event = row.column_text(2);
  stored.delivery.action = row.column_text(3);
  stored.delivery.repository = row.column_text(4);
  stored.delivery.payload = row.column_text(5);
  stored.delivery.received_at = row.column_text(6);
  stored.processed_at = row.column_optional_text(7);
  stored.outcome = row.column_optional_text(8);
  return stored;
}
}  // namespace

namespace {
// One insert for both: a delivery waiting for its handlers (no processed_at, no outcome) or one
// whose handlers ran as it arrived.
RecordOutcome insert_delivery(Database& db, const Delivery& delivery, const std::optional<std::string>& processed_at,
                              const std::optional<std::string>& outcome) {
  Statement insert = db.prepare(
      "INSERT INTO deliveries (guid, event, action, repository, payload, received_at, processed_at, outcome) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (guid) DO NOTHING");
  insert.bind(1, delivery.guid).bind(2, delivery.event).bind(3, delivery.action).bind(4, delivery.repository);
  insert.bind(5, delivery.payload).bind(6, delivery.received_at).bind_optional(7, processed_at).bind_optional(8, outcome);
  insert.run();
  const RecordOutcome recorded = db.changes() == 1 ? RecordOutcome::recorded : RecordOutcome::duplicate;
  if (delivery.hook) record_hook(db, *delivery.hook);
  return recorded;
}
}  // namespace

RecordOutcome record_delivery(Database& db, const Delivery& delivery) {
  return insert_delivery(db, delivery, std::nullopt, std::nullopt);
}

RecordOutcome record_processed_delivery(Database& db, const Delivery& delivery, const std::string& processed_at,
                                        const std::string& outcome) {
  return insert_delivery(db, delivery, processed_at, outcome);
}

std::vector<ReceivedDelivery> unprocessed_deliveries(Database& db, int limit) {
  Statement query = db.prepare("SELECT " + std::string(kDeliveryColumns) +
                               " FROM deliveries WHERE processed_at IS NULL ORDER BY seq LIMIT ?1");
  query.bind(1, std::int64_t{limit});
  std::vector<ReceivedDelivery> rows;
  while (query.step()) rows.push_back(read_row(query));
  return rows;
}

bool has_unprocessed(Database& db) {
  Statement query = db.prepare("SELECT 1 FROM deliveries WHERE processed_at IS NULL LIMIT 1");
  return query.step();
}

bool claim_delivery(Database& db, const std::string& guid, const std::string& now) {
  Statement claim = db.prepare("UPDATE deliveries SET processed_at = ?2 WHERE guid = ?1 AND processed_at IS NULL");
  claim.bind(1, guid).bind(2, now);
  claim.run();
  return db.changes() == 1;
}

void record_outcome(Database& db, const std::string& guid, const std::string& outcome) {
  Statement update = db.prepare("UPDATE deliveries SET outcome = ?2 WHERE guid = ?1");
  update.bind(1, guid).bind(2, outcome);
  update.run();
}

void mark_delivery_processed(Database& db, const std::string& guid, const std::string& outcome) {
  Statement update = db.prepare(
      "UPDATE deliveries SET processed_at = ?2, outcome = ?3 WHERE guid = ?1 AND processed_at IS NULL");
  update.bind(1, guid).bind(2, util::utc_now_iso8601()).bind(3, outcome);
  update.run();
  if (db.changes() != 1) throw DatabaseError("delivery " + guid + " is unknown or already processed");
}

std::optional<ReceivedDelivery> find_delivery(Database& db, const std::string& guid) {
  Statement query = db.prepare("SELECT " + std::string(kDeliveryColumns) + " FROM deliveries WHERE guid = ?1");
  query.bind(1, guid);
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

std::int64_t count_deliveries(Database& db) {
  Statement query = db.prepare("SELECT count(*) FROM deliveries");
  query.step();
  return query.column_int(0);
}

std::vector<HookSource> known_hooks(Database& db) {
  Statement query = db.prepare("SELECT hook_id, target_type, target FROM webhook_hooks ORDER BY first_seen_at, hook_id");
  std::vector<HookSource> hooks;
  while (query.step()) hooks.push_back({query.column_int(0), query.column_text(1), query.column_text(2)});
  return hooks;
}

void record_hook(Database& db, const HookSource& hook) {
  Statement upsert = db.prepare(
      "INSERT INTO webhook_hooks (hook_id, target_type, target, first_seen_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4) "
      "ON CONFLICT (hook_id) DO UPDATE SET target_type = ?2, target = ?3, last_seen_at = ?4");
  upsert.bind(1, hook.hook_id).bind(2, hook.target_type).bind(3, hook.target).bind(4, util::utc_now_iso8601());
  upsert.run();
}

}  // namespace calico::store
