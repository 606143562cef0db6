#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "bot/status_page/render.hpp"

namespace calico::status_page {

namespace json = boost::json;

namespace {

json::value optional_text(const std::optional<std::string>& text) { return text ? json::value(*text) : json::value(nullptr); }

json::object build_object(const BuildView& view) {
  const store::Build& build = view.build;
  json::object out;
  out["id"] = build.id;
  out["target_repo"] = build.target_repo;
  out["version"] = build.version;
  out["kind"] = build.kind;
  out["state"] = handlers::to_string(build.state);
  out["detail"] = build.detail;
  out["trigger"] = view.origin.trigger;
  out["requested_by"] = view.origin.requested_by;
  out["started_at"] = build.started_at;
  out["finished_at"] = optional_text(build.finished_at);
  out["duration_seconds"] = view.duration_seconds ? json::value(*view.duration_seconds) : json::value(nullptr);
  out["launchpad"] = view.publication.total == 0 ? "" : launchpad::to_string(view.publication.state);
  out["launchpad_published"] = view.publication.published;
  out["launchpad_uploads"] = view.publication.total;
  out["url"] = "/builds/" + std::to_string(build.id);
  out["replica"] = optional_text(build.owner);  // the replica running it (or that ran it)
  return out;
}

}  // namespace

json::object recovery_object(const store::RecoverySummary& recovery) {
  json::array sources;
  for (const store::RecoverySource& source : recovery.sources) {
    sources.push_back(json::object{{"source", source.source},
                                   {"method", store::to_string(source.method)},
                                   {"last_pass_at", source.last_pass_at},
                                   {"last_error", optional_text(source.last_error)}});
  }
  return {{"redeliveries_requested", recovery.redeliveries},
          {"redeliveries_received", recovery.redelivered},
          {"comments_recovered", recovery.comments},
          {"last_recovered_at", optional_text(recovery.last_recovered_at)},
          {"sources", sources}};
}

std::string index_json(const Overview& overview) {
  json::array builds;
  for (const BuildView& view : overview.builds) builds.push_back(build_object(view));
  json::array queued;
  for (const auto& request : overview.queued) {
    queued.push_back(json::object{{"id", request.id},
                                  {"target_repo", request.request.target_repo},
                                  {"version", request.request.version},
                                  {"trigger", request.request.trigger},
                                  {"requested_by", request.request.requested_by},
                                  {"created_at", request.created_at}});
  }
  json::array replicas;
  for (const store::Replica& replica : overview.replicas) {
    json::array held;
    for (std::int64_t id : replica.builds) held.push_back(id);
    replicas.push_back(json::object{{"id", replica.id},
                                    {"host", replica.host},
                                    {"pid", replica.pid},
                                    {"version", replica.version},
                                    {"started_at", replica.started_at},
                                    {"heartbeat_at", replica.heartbeat_at},
                                    {"stopped_at", optional_text(replica.stopped_at)},
                                    {"builds", held}});
  }
  return json::serialize(json::object{{"builds", builds},
                                      {"queued", queued},
                                      {"recovery", recovery_object(overview.recovery)},
                                      {"replicas", replicas}});
}

std::string build_json(const BuildPage& page) {
  json::object out = build_object(page.view);
  json::array jobs;
  for (const store::BuildJob& step : page.steps) {
    jobs.push_back(json::object{{"job", step.job},
                                {"state", builders::pipeline::to_string(step.state)},
                                {"detail", step.detail},
                                {"started_at", optional_text(step.started_at)},
                                {"finished_at", optional_text(step.finished_at)},
                                {"log_url", "/builds/" + std::to_string(page.view.build.id) + "/logs/" + step.job}});
  }
  out["jobs"] = jobs;
  json::array publications;
  for (const store::LpWatch& watch : page.watches) {
    boost::system::error_code error;
    json::value arches = json::parse(watch.arches, error);
    if (error) arches = json::array();
    publications.push_back(json::object{{"source", watch.source},
                                        {"version", watch.version},
                                        {"series", watch.series},
                                        {"ppa", "~" + watch.owner + "/" + watch.ppa},
                                        {"state", launchpad::to_string(watch.state)},
                                        {"detail", watch.detail},
                                        {"architectures", arches}});
  }
  out["publications"] = publications;
  return json::serialize(out);
}

}  // namespace calico::status_page
