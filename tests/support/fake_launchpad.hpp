// A stand-in for Launchpad's web service on loopback that behaves like the real one where the
// bot depends on it (../shared/reference/launchpad.md):
// - the API's JSON shapes: collections with total_size, start, entries and next_collection_link
//   (repeating the query), paged by ws.start and ws.size (default 75, more than 300 is a 400);
// - parameters read as lazr.restful reads them: JSON first, else raw; '+' is a space; booleans
//   must be JSON (`True` is a 400); unknown parameters are ignored; `version` needs `source_name`;
//   getPublishedSources honours source_name, version, exact_match, status and
//   created_since_date; getPublishedBinaries status, created_since_date and ordered;
// - getBuilds on a source publication, getBuildSummariesForSourceIds on the archive with
//   Launchpad's statuses (cancelled and superseded builds hidden, Dependency wait folded into
//   FAILEDTOBUILD, FULLYBUILT_PENDING while a successful build's binaries have no date);
// - the life of an upload: a successful build's binaries appear Pending and are published later
//   (publish_binaries), an arch-independent binary is built once and published for every
//   architecture, a newer upload published in the same series supersedes the older one (its
//   unbuilt builds become "Build for superseded Source", its binaries keep their dates), a
//   rejected upload simply never appears;
// - writes: OAuth 1.0 PLAINTEXT on every POST (no or a wrong Authorization, or a nonce used
//   before: 401), Archive.copyPackage as a named POST with form parameters: it only queues a copy
//   job and answers `null`; run_copy_jobs() is Launchpad's job runner: a job fails (nothing
//   appears in the target, the reason kept for the requester's e-mail) when the source is not
//   published in the source archive in that series, when the target already has that version
//   (any status), or when the requester may not upload there; else the copy appears as a new
//   Pending source publication in the target, its builds the original ones and (with binaries)
//   its binaries Pending until the publisher runs (publish_binaries, set_source_status);
// - failures: 5xx (503 with Retry-After: 900 as Launchpad's own timeout), slow answers.
// Requests are counted per operation.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bot/http/message.hpp"

namespace calico::testkit {

struct FakeBuild {
  std::string arch;
  std::string buildstate = "Needs building";
  std::string build_log_url = {};
  std::string dependencies = {};  // what a Dependency wait waits for
};

struct FakeBinary {
  std::string arch;                  // the architecture built on (amd64 for an arch-independent one)
  std::string status = "Pending";    // Pending, Published, Superseded, Deleted, Obsolete
  bool arch_independent = false;     // Architecture: all — published for every architecture
  std::string date_published = {};   // set when first Published, kept after
};

struct FakeSource {
  std::string owner;
  std::string ppa;
  std::string name;
  std::string version;
  std::string series;
  std::string status = "Published";
  std::vector<FakeBuild> builds = {};
  std::vector<FakeBinary> binaries = {};
  std::string created = {};  // date_created (ISO 8601); empty: when added
};

// The OAuth access token writes must be signed with.
struct FakeOAuthToken {
  std::string consumer_key;
  std::string token;
  std::string token_secret;
};

struct FakeCopyJob {
  std::string source_name;
  std::string version;
  std::string from_ppa;   // "owner/ppa"
  std::string to_ppa;     // "owner/ppa"
  std::string to_series;  // empty: the source's own
  bool include_binaries = false;
  std::string state = "queued";  // queued, done, failed
  std::string reason = {};       // why it failed
};

class LoopbackServer;

class FakeLaunchpad {
 public:
  explicit FakeLaunchpad(std::uint16_t port = 0);  // 0: an ephemeral port
  ~FakeLaunchpad();

  std::string api_root() const;  // "http://127.0.0.1:<port>/1.0"
  void add_source(FakeSource source);
  // Scripting a source's life: its publication status, a build's state, a binary's status. With
  // `ppa` only that PPA's upload changes (the same source and version may be in several).
  // Publishing a source supersedes the older uploads of its name in its series and PPA.
  void set_source_status(const std::string& name, const std::string& version, const std::string& status,
                         const std::string& ppa = "");
  // A build that turns "Successfully built" gets a Pending binary for its architecture (unless it
  // has one): built, not yet published, as Launchpad's publisher has yet to run.
  void set_build(const std::string& name, const std::string& version, const FakeBuild& build, const std::string& ppa = "");
  void set_binary(const std::string& name, const std::string& version, const FakeBinary& binary,
                  const std::string& ppa = "");
  // The publisher's run: every Pending binary of this upload is Published, with a date.
  void publish_binaries(const std::string& name, const std::string& version, const std::string& ppa = "");
  void set_page_size(int size);  // the default ws.size
  // Writes are accepted only when signed with this token.
  void accept_token(FakeOAuthToken token);
  // Copy jobs into `owner/ppa` fail: the token's owner may not upload there.
  void deny_uploads_to(const std::string& owner_slash_ppa);
  // Launchpad's job runner: runs every queued copy job; returns those it ran, as they ended.
  std::vector<FakeCopyJob> run_copy_jobs();
  std::vector<FakeCopyJob> copy_jobs() const;
  // POSTs refused with 401 (unsigned, a wrong token, a nonce seen before).
  int unauthorized_writes() const;
  // The next `count` requests get `status` (with a Retry-After header when given).
  void fail_next(int count, int status = 503, int retry_after_seconds = 0);
  void hang_for(std::chrono::milliseconds delay);  // every answer waits this long
  int requests() const { return requests_.load(); }
  // Requests per named operation ("getPublishedSources", "getBuilds", …; "" for plain GETs).
  std::map<std::string, int> requests_by_operation() const;

 private:
  class Handler;
  std::unique_ptr<Handler> handler_;
  std::unique_ptr<LoopbackServer> server_;
  std::atomic<int> requests_{0};
  std::string api_root_;  // fixed once listening: handlers read it while the server shuts down
};

}  // namespace calico::testkit
