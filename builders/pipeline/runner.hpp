// Runs a plan's job graph: independent jobs in parallel up to a limit, each after everything it
// depends on succeeded. A failed job stops its dependants (they are reported as skipped, naming
// the failure) while the rest of the graph finishes. Job state changes go to an observer, so the
// command line, the store and the reporters can all follow one run.
#pragma once

#include <optional>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "builders/exec/process.hpp"
#include "builders/plan.hpp"

namespace calico::builders::pipeline {

enum class JobState { pending, running, succeeded, failed, skipped, cancelled };
std::string_view to_string(JobState state);
std::optional<JobState> parse_job_state(std::string_view text);

struct JobReport {
  std::string id;
  JobState state = JobState::pending;
  std::string detail;  // what it did, or why it failed or was skipped
  std::filesystem::path log;
  std::chrono::milliseconds elapsed{0};
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void job_started(const Job& job, const std::filesystem::path& log) = 0;
  virtual void job_finished(const Job& job, const JobReport& report) = 0;
};

// What a job does. Throws (any std::exception) to fail the job; returns a one-line summary.
class JobWork {
 public:
  virtual ~JobWork() = default;
  virtual std::string run(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) = 0;
};

struct RunResult {
  std::vector<JobReport> jobs;  // in plan order
  bool ok() const;
  std::vector<const JobReport*> failures() const;
};

// `log_dir`/<job id with '/' as '-'>.log per job. `finished` holds reports of jobs already done
// in an earlier attempt of the same run: those are not run again (restart resumes).
RunResult run_plan(const Plan& plan, int parallel_jobs, JobWork& work, Observer& observer,
                   const std::filesystem::path& log_dir, const exec::CancelToken& cancel,
                   const std::vector<JobReport>& finished = {});

}  // namespace calico::builders::pipeline
