#include "bot/store/sqlite/migrations.hpp"

#include <array>
#include <string>

namespace calico::store::sqlite {

namespace {

// Never edit a migration that has shipped: add a new one.
constexpr std::array<std::string_view, kSchemaVersion> kMigrations = {
    // 1: deliveries, the build queue, master-changed marks, builds and their steps, the outbox.
    R"sql(
CREATE TABLE deliveries (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,   -- arrival order
  guid         TEXT NOT NULL UNIQUE,                -- X-GitHub-Delivery: the same on a redelivery
  event        TEXT NOT NULL,                       -- X-GitHub-Event
  action       TEXT,
  repository   TEXT,
  payload      TEXT NOT NULL,                       -- the JSON payload, as received
  received_at  TEXT NOT NULL,
  processed_at TEXT,                                -- NULL until handlers have run
  outcome      TEXT
);
CREATE INDEX deliveries_unprocessed ON deliveries(seq) WHERE processed_at IS NULL;

CREATE TABLE build_requests (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT NOT NULL CHECK (kind IN ('release', 'nightly', 'command')),
  target_repo  TEXT NOT NULL,                       -- master, calico-3.4
  version      TEXT NOT NULL,                       -- VERSION: master, v3.4.1
  repository   TEXT,
  trigger      TEXT NOT NULL,
  requested_by TEXT,
  delivery     TEXT REFERENCES deliveries(guid),
  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'started', 'cancelled')),
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
-- Requests for the same build that have not started yet are one request.
CREATE UNIQUE INDEX build_requests_pending ON build_requests(target_repo, version) WHERE state = 'pending';

CREATE TABLE master_changes (
  repository   TEXT NOT NULL,
  branch       TEXT NOT NULL,
  sha          TEXT NOT NULL,
  changed_at   TEXT NOT NULL,
  delivery     TEXT,
  PRIMARY KEY (repository, branch)
);

CREATE TABLE builds (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id   INTEGER REFERENCES build_requests(id),
  target_repo  TEXT NOT NULL,
  version      TEXT NOT NULL,
  state        TEXT NOT NULL,
  started_at   TEXT,
  finished_at  TEXT
);

CREATE TABLE build_steps (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  build_id     INTEGER NOT NULL REFERENCES builds(id),
  step         TEXT NOT NULL,
  platform     TEXT NOT NULL,
  state        TEXT NOT NULL,
  started_at   TEXT,
  finished_at  TEXT,
  log_path     TEXT,
  UNIQUE (build_id, step, platform)
);

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL,
  dedupe_key      TEXT NOT NULL UNIQUE,             -- never send the same message twice
  payload         TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  delivered_at    TEXT,
  last_error      TEXT,
  created_at      TEXT NOT NULL
);
)sql",
    // 2: Launchpad watches: one row per uploaded source × series, followed until published.
    R"sql(
CREATE TABLE lp_watches (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  owner            TEXT NOT NULL,
  ppa              TEXT NOT NULL,
  source           TEXT NOT NULL,
  version          TEXT NOT NULL,
  series           TEXT NOT NULL,
  uploaded_at      TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'waiting',   -- waiting, building, published, failed, rejected
  detail           TEXT NOT NULL DEFAULT '',
  arches           TEXT NOT NULL DEFAULT '[]',        -- JSON: [{arch, state, buildstate, build_log_url}]
  interval_seconds INTEGER NOT NULL,
  next_poll_at     TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  finished_at      TEXT,                              -- set when nothing will change any more
  UNIQUE (owner, ppa, source, version, series)
);
CREATE INDEX lp_watches_due ON lp_watches(next_poll_at) WHERE finished_at IS NULL;
)sql",
    // 3: what the pollers last saw of each remote, and which releases have been triggered (a tag
    // seen by a webhook and by a poll, or pushed and created, triggers one build).
    R"sql(
CREATE TABLE remote_refs (
  repository   TEXT NOT NULL,                       -- owner/name
  ref          TEXT NOT NULL,                       -- refs/heads/master, refs/tags/v3.4.1
  sha          TEXT NOT NULL,
  seen_at      TEXT NOT NULL,
  PRIMARY KEY (repository, ref)
);
CREATE TABLE release_triggers (
  target_repo  TEXT NOT NULL,
  version      TEXT NOT NULL,
  triggered_at TEXT NOT NULL,
  trigger      TEXT NOT NULL,
  PRIMARY KEY (target_repo, version)
);
)sql",
    // 4: what the dispatcher records of builds and their jobs.
    R"sql(
ALTER TABLE builds ADD COLUMN kind TEXT NOT NULL DEFAULT 'release';
ALTER TABLE builds ADD COLUMN detail TEXT NOT NULL DEFAULT '';
ALTER TABLE builds ADD COLUMN run_dir TEXT;
ALTER TABLE build_steps ADD COLUMN detail TEXT NOT NULL DEFAULT '';
CREATE INDEX builds_running ON builds(state) WHERE state = 'running';
)sql",
    // 5: a release waits until every component carries its tag: the request is not taken before
    // this time.
    R"sql(
ALTER TABLE build_requests ADD COLUMN not_before TEXT;
)sql",
    // 6: the build whose upload a watch follows, so a build's Launchpad state can be summed up.
    R"sql(
ALTER TABLE lp_watches ADD COLUMN build_id INTEGER REFERENCES builds(id);
)sql",
    // 7: a cancellation asked for from outside the dispatcher (the CLI, later /cancel).
    R"sql(
ALTER TABLE builds ADD COLUMN cancel_requested_at TEXT;
)sql",
    // 8: requests for a part of the plan (a dnsmasq rebuild for one platform), and the dnsmasq ref
    // last configured per platform.
    R"sql(
ALTER TABLE build_requests ADD COLUMN steps TEXT NOT NULL DEFAULT '';
ALTER TABLE build_requests ADD COLUMN platforms TEXT NOT NULL DEFAULT '';
DROP INDEX build_requests_pending;
CREATE UNIQUE INDEX build_requests_pending ON build_requests(target_repo, version, steps, platforms) WHERE state = 'pending';
CREATE TABLE dnsmasq_refs (
  platform TEXT PRIMARY KEY,
  ref      TEXT NOT NULL,
  seen_at  TEXT NOT NULL
);
)sql",
    // 9: the GitHub conversation. Slash commands from PR comments, one row per command line (the
    // comment id and line make an edited or redelivered comment run nothing twice); the command
    // behind a build request and the PR it reports to; the commits a build used (they get
    // statuses); the build state last reported; outbox messages given up on.
    R"sql(
CREATE TABLE commands (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  repository     TEXT NOT NULL,                     -- owner/name of the PR
  issue_number   INTEGER NOT NULL,
  comment_id     INTEGER NOT NULL,
  line           INTEGER NOT NULL,                  -- 1-based line of the comment
  author         TEXT NOT NULL,
  name           TEXT NOT NULL,                     -- publish, status, cancel, retry, help, or as typed
  arguments      TEXT NOT NULL,                     -- JSON: the parsed arguments
  parse_error    TEXT,                              -- set when the line did not parse
  state          TEXT NOT NULL DEFAULT 'pending',   -- pending, done
  outcome        TEXT,
  created_at     TEXT NOT NULL,
  finished_at    TEXT,
  UNIQUE (repository, comment_id, line)
);
CREATE INDEX commands_pending ON commands(id) WHERE state = 'pending';
ALTER TABLE build_requests ADD COLUMN command_id INTEGER REFERENCES commands(id);
ALTER TABLE build_requests ADD COLUMN head_sha TEXT;
CREATE TABLE build_sources (
  build_id    INTEGER NOT NULL REFERENCES builds(id),
  repository  TEXT NOT NULL,                        -- owner/name
  sha         TEXT NOT NULL,
  PRIMARY KEY (build_id, repository, sha)
);
ALTER TABLE builds ADD COLUMN reported_state TEXT;
ALTER TABLE outbox ADD COLUMN abandoned_at TEXT;
ALTER TABLE outbox ADD COLUMN result TEXT;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE delivered_at IS NULL AND abandoned_at IS NULL;
)sql",
    // 10: components are configuration: the source ref last configured per component and
    // platform (was dnsmasq's only).
    R"sql(
CREATE TABLE component_refs (
  component  TEXT NOT NULL,
  platform   TEXT NOT NULL,
  ref        TEXT NOT NULL,
  seen_at    TEXT NOT NULL,
  PRIMARY KEY (component, platform)
);
INSERT INTO component_refs (component, platform, ref, seen_at) SELECT 'dnsmasq', platform, ref, seen_at FROM dnsmasq_refs;
DROP TABLE dnsmasq_refs;
)sql",
    // 11: an upload belongs to every build that published it: the build that uploaded it, and a
    // retry that found it already in the archive.
    R"sql(
CREATE TABLE build_lp_watches (
  build_id  INTEGER NOT NULL REFERENCES builds(id),
  watch_id  INTEGER NOT NULL REFERENCES lp_watches(id),
  PRIMARY KEY (build_id, watch_id)
);
INSERT INTO build_lp_watches (build_id, watch_id) SELECT build_id, id FROM lp_watches WHERE build_id IS NOT NULL;
)sql",
    // 12: watches of one PPA share one schedule (a poll costs the same for one watch or a
    // hundred); a watch remembers its source publication and the build summary it last saw, so
    // getBuilds is asked only when that changes; a build remembers the Launchpad state last
    // reported for it, and which of its jobs built each upload (the rows of its report).
    R"sql(
ALTER TABLE lp_watches ADD COLUMN publication_link TEXT NOT NULL DEFAULT '';
ALTER TABLE lp_watches ADD COLUMN summary TEXT NOT NULL DEFAULT '';
CREATE TABLE lp_ppa_schedules (
  owner            TEXT NOT NULL,
  ppa              TEXT NOT NULL,
  interval_seconds INTEGER NOT NULL,
  next_poll_at     TEXT NOT NULL,
  PRIMARY KEY (owner, ppa)
);
INSERT INTO lp_ppa_schedules (owner, ppa, interval_seconds, next_poll_at)
  SELECT owner, ppa, MIN(interval_seconds), MIN(next_poll_at) FROM lp_watches WHERE finished_at IS NULL GROUP BY owner, ppa;
ALTER TABLE builds ADD COLUMN reported_publication TEXT;
ALTER TABLE build_lp_watches ADD COLUMN job TEXT NOT NULL DEFAULT '';  -- the job that built the upload
)sql",
    // 13: a newer commit status for the same commit and context supersedes an unsent older one:
    // statuses never go out of order, and fewer go out.
    R"sql(
ALTER TABLE outbox ADD COLUMN superseded_by INTEGER REFERENCES outbox(id);
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE delivered_at IS NULL AND abandoned_at IS NULL AND superseded_by IS NULL;
)sql",
    // 14: when a command's comment got the bot's reply (one per comment): an author's replies in
    // the last hour count against github.replies_per_author_per_hour.
    R"sql(
ALTER TABLE commands ADD COLUMN replied_at TEXT;
CREATE INDEX commands_replied ON commands(author, replied_at) WHERE replied_at IS NOT NULL;
)sql",
    // 15: missed-delivery recovery. The webhooks that delivered to the bot (X-GitHub-Hook-ID and
    // where it is installed), what recovery asked GitHub to redeliver or found by re-reading
    // comments, and each source's last pass.
    R"sql(
CREATE TABLE webhook_hooks (
  hook_id        INTEGER PRIMARY KEY,               -- X-GitHub-Hook-ID
  target_type    TEXT NOT NULL,                     -- repository | organization | integration
  target         TEXT NOT NULL,                     -- owner/name, the organization, or '' for an App
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL
);
CREATE TABLE recovered (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL,                     -- redelivery | comment
  reference      TEXT NOT NULL,                     -- the delivery GUID, or repository#comment id
  source         TEXT NOT NULL,                     -- the hook or repository it was found through
  event          TEXT NOT NULL,
  requests       INTEGER NOT NULL DEFAULT 1,        -- redeliveries asked for it
  first_at       TEXT NOT NULL,
  last_at        TEXT NOT NULL,
  UNIQUE (kind, reference)
);
CREATE TABLE recovery_sources (
  source         TEXT PRIMARY KEY,                  -- "hook 123", "app", "comments owner/name"
  method         TEXT NOT NULL,                     -- redeliver | rescan
  cursor         TEXT,                              -- newest time fully looked at
  last_pass_at   TEXT NOT NULL,
  last_error     TEXT
);
)sql",
    // 16: release requests waiting for a second approver (github.release_approvals = 2).
    R"sql(
CREATE TABLE approvals (
  id                   INTEGER PRIMARY KEY,
  command_id           INTEGER NOT NULL UNIQUE REFERENCES commands(id),  -- the /publish or /retry that asked
  repository           TEXT NOT NULL,                    -- the pull request it waits on
  issue_number         INTEGER NOT NULL,
  kind                 TEXT NOT NULL,
  target_repo          TEXT NOT NULL,
  version              TEXT NOT NULL,
  request_repository   TEXT,
  trigger              TEXT NOT NULL,
  requested_by         TEXT NOT NULL,
  steps                TEXT NOT NULL DEFAULT '',
  platforms            TEXT NOT NULL DEFAULT '',
  head_sha             TEXT NOT NULL DEFAULT '',
  pending_description  TEXT NOT NULL DEFAULT '',
  state                TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'approved')),
  approved_by          TEXT,
  approval_command_id  INTEGER REFERENCES commands(id),
  created_at           TEXT NOT NULL,
  approved_at          TEXT
);
CREATE INDEX approvals_waiting ON approvals(repository, issue_number) WHERE state = 'waiting';
)sql",
    // 17: what GitHub holds for messages edited in place (a build's summary comment, its check
    // runs): the resource's id under the message's stable key.
    R"sql(
CREATE TABLE edited_resources (
  edit_key     TEXT PRIMARY KEY,                  -- "summary:<owner/name>#<issue>:build-<id>", "check:…"
  resource_id  INTEGER NOT NULL,                  -- the comment's or check run's id
  updated_at   TEXT NOT NULL
);
)sql",
    // 18: a GitHub credential's rate-limit pause, kept across restarts.
    R"sql(
CREATE TABLE github_pauses (
  credential    TEXT PRIMARY KEY,                 -- "token", "GitHub App 4242 installation 77"
  paused_until  TEXT NOT NULL,
  reason        TEXT NOT NULL,
  strikes       INTEGER NOT NULL DEFAULT 0
);
)sql",
    // 19: the commit that asked for a build (a pushed tag's): where a build that fails before
    // any job reports.
    R"sql(
ALTER TABLE build_requests ADD COLUMN trigger_commit TEXT;
)sql",
    // 20: one word per idea: a build has jobs (step × platform), and so does its table.
    R"sql(
ALTER TABLE build_steps RENAME TO build_jobs;
)sql",
    // 21: polled tags now record the commit an annotated tag names (a status can go there), not
    // the tag object. Forgetting what was polled makes the next poll a baseline instead of
    // seeing every annotated tag "move"; webhooks cover the few minutes in between.
    R"sql(
DELETE FROM remote_refs;
)sql",
    kReplicasStep,
};

}  // namespace

const Migrations& migrations() {
  static const Migrations list{1, kMigrations};
  return list;
}

void set_schema_version(Database& db, int version) { db.exec("PRAGMA user_version = " + std::to_string(version)); }

}  // namespace calico::store::sqlite
