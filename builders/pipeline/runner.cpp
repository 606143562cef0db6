#include "builders/pipeline/runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "builders/files.hpp"

namespace calico::builders::pipeline {

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::pending: return "pending";
    case JobState::running: return "running";
    case JobState::succeeded: return "succeeded";
    case JobState::failed: return "failed";
    case JobState::skipped: return "skipped";
    case JobState::cancelled: return "cancelled";
  }
  return "?";
}

std::optional<JobState> parse_job_state(std::string_view text) {
  for (JobState state : {JobState::pending, JobState::running, JobState::succeeded, JobState::failed, JobState::skipped,
                         JobState::cancelled}) {
    if (to_string(state) == text) return state;
  }
  return std::nullopt;
}

bool RunResult::ok() const {
  return std::all_of(jobs.begin(), jobs.end(), [](const JobReport& r) { return r.state == JobState::succeeded; });
}

std::vector<const JobReport*> RunResult::failures() const {
  std::vector<const JobReport*> out;
  for (const JobReport& report : jobs) {
    if (report.state == JobState::failed || report.state == JobState::cancelled) out.push_back(&report);
  }
  return out;
}

RunResult run_plan(const Plan& plan, int parallel_jobs, JobWork& work, Observer& observer,
                   const std::filesystem::path& log_dir, const exec::CancelToken& cancel,
                   const std::vector<JobReport>& finished) {
  std::filesystem::create_directories(log_dir);
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, std::size_t> index;
  RunResult result;
  for (const Job& job : plan.jobs) {
    index[job.id] = result.jobs.size();
    JobReport report;
    report.id = job.id;
    std::string file = job.id;
    std::replace(file.begin(), file.end(), '/', '-');
    report.log = log_dir / (file + ".log");
    for (const JobReport& done : finished) {
      if (done.id == job.id && done.state == JobState::succeeded) report = done;
    }
    result.jobs.push_back(std::move(report));
  }
  int running = 0;

  // Under the lock: settle jobs whose dependencies failed, and find one that may start.
  auto next_ready = [&]() -> const Job* {
    bool progress = true;
    while (progress) {
      progress = false;
      for (const Job& job : plan.jobs) {
        JobReport& report = result.jobs[index[job.id]];
        if (report.state != JobState::pending) continue;
        for (const std::string& dependency : job.depends_on) {
          const JobReport& before = result.jobs[index[dependency]];
          if (before.state == JobState::failed || before.state == JobState::skipped || before.state == JobState::cancelled) {
            report.state = JobState::skipped;
            report.detail = "not run: " + dependency + " " + std::string(to_string(before.state));
            observer.job_finished(job, report);
            progress = true;
            break;
          }
        }
      }
    }
    for (const Job& job : plan.jobs) {
      const JobReport& report = result.jobs[index[job.id]];
      if (report.state != JobState::pending) continue;
      const bool ready = std::all_of(job.depends_on.begin(), job.depends_on.end(), [&](const std::string& dependency) {
                           return result.jobs[index[dependency]].state == JobState::succeeded;
                         }) &&
                         std::all_of(job.after.begin(), job.after.end(), [&](const std::string& optional) {
                           const JobState state = result.jobs[index[optional]].state;
                           return state != JobState::pending && state != JobState::running;
                         });
      if (ready) return &job;
    }
    return nullptr;
  };
  auto all_settled = [&] {
    return running == 0 && std::none_of(result.jobs.begin(), result.jobs.end(),
                                         [](const JobReport& r) { return r.state == JobState::pending; });
  };

  // Once the run is cancelled nothing new starts: what has not run yet is reported cancelled.
  auto cancel_pending = [&] {
    for (const Job& job : plan.jobs) {
      JobReport& report = result.jobs[index[job.id]];
      if (report.state != JobState::pending) continue;
      report.state = JobState::cancelled;
      report.detail = "not run: the build was cancelled";
      observer.job_finished(job, report);
    }
  };

  auto worker = [&] {
    std::unique_lock lock(mutex);
    for (;;) {
      if (cancel.cancelled()) {
        cancel_pending();
        changed.notify_all();
        if (running == 0) return;
        changed.wait(lock, [&] { return running == 0; });
        return;
      }
      const Job* job = nullptr;
      changed.wait(lock, [&] {
        return cancel.cancelled() || (job = next_ready()) != nullptr || all_settled() || (running == 0 && !job);
      });
      if (cancel.cancelled()) continue;  // settled at the top of the loop
      if (!job) return;  // nothing can start now or ever: the graph is settled
      JobReport& report = result.jobs[index[job->id]];
      report.state = JobState::running;
      ++running;
      const std::filesystem::path log = report.log;
      observer.job_started(*job, log);
      lock.unlock();
      const auto started = std::chrono::steady_clock::now();
      JobState state = JobState::succeeded;
      std::string detail;
      try {
        detail = work.run(*job, log, cancel);
      } catch (const std::exception& e) {
        detail = e.what();
        state = cancel.cancelled() ? JobState::cancelled : JobState::failed;
        // The log says why, whatever failed (a missing ref fails before any command runs).
        append_to_file(log, "# " + std::string(state == JobState::cancelled ? "cancelled: " : "failed: ") + detail + "\n");
      }
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      lock.lock();
      report.state = state;
      report.detail = detail;
      report.elapsed = elapsed;
      --running;
      observer.job_finished(*job, report);
      changed.notify_all();
    }
  };

  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, parallel_jobs); ++i) workers.emplace_back(worker);
  for (std::thread& thread : workers) thread.join();
  return result;
}

}  // namespace calico::builders::pipeline
