// The deliveries table: every webhook delivery the bot acknowledged, and whether handlers ran.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/store/database.hpp"

namespace calico::store {

// The webhook a delivery came through (X-GitHub-Hook-ID and X-GitHub-Hook-Installation-Target-
// Type): recovery lists that hook's deliveries to find the ones that never reached the bot.
struct HookSource {
  std::int64_t hook_id = 0;
  std::string target_type;  // repository | organization | integration (a GitHub App)
  std::string target;       // owner/name, the organization, or "" for an App
};

struct Delivery {
  std::string guid;
  std::string event;
  std::string action;
  std::string repository;
  std::string payload;
  std::string received_at;
  std::optional<HookSource> hook = {};
};

struct ReceivedDelivery {
  std::int64_t seq = 0;
  Delivery delivery;
  std::optional<std::string> processed_at;
  std::optional<std::string> outcome;
};

enum class RecordOutcome { recorded, duplicate };

// Inserts the delivery unless its GUID is already there (a redelivery), and notes its hook.
RecordOutcome record_delivery(Database& db, const Delivery& delivery);

// Inserts the delivery already marked processed at `processed_at` with `outcome`, unless its GUID
// is already there: a delivery whose handlers ran as it arrived never passes through the
// unprocessed index, and its row is written once.
RecordOutcome record_processed_delivery(Database& db, const Delivery& delivery, const std::string& processed_at,
                                        const std::string& outcome);

// Oldest first.
std::vector<ReceivedDelivery> unprocessed_deliveries(Database& db, int limit);

// Some delivery is still waiting for its handlers.
bool has_unprocessed(Database& db);

void mark_delivery_processed(Database& db, const std::string& guid, const std::string& outcome);
// Marks the delivery processed unless it is already: false when another replica got there first
// (its transaction waited for that one's, and its results are written). Then record_outcome.
bool claim_delivery(Database& db, const std::string& guid, const std::string& now);
void record_outcome(Database& db, const std::string& guid, const std::string& outcome);

std::optional<ReceivedDelivery> find_delivery(Database& db, const std::string& guid);

std::int64_t count_deliveries(Database& db);

// The hooks that delivered to the bot, oldest first.
std::vector<HookSource> known_hooks(Database& db);
void record_hook(Database& db, const HookSource& hook);

}  // namespace calico::store
