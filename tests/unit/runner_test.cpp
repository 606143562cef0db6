// The pipeline runner's scheduling, with a JobWork that records what runs when.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "builders/pipeline/runner.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::builders;
using namespace calico::builders::pipeline;

namespace {

Plan graph(std::vector<std::pair<std::string, std::vector<std::string>>> jobs) {
  Plan plan;
  for (auto& [id, deps] : jobs) {
    Job job;
    job.id = id;
    job.step = "felix";
    job.depends_on = deps;
    plan.jobs.push_back(job);
  }
  return plan;
}

class RecordingWork : public JobWork {
 public:
  std::set<std::string> failing;
  std::chrono::milliseconds duration{50};
  std::mutex mutex;
  std::vector<std::string> order;
  std::atomic<int> running{0};
  std::atomic<int> peak{0};

  std::string run(const Job& job, const std::filesystem::path&, const exec::CancelToken&) override {
    const int now = ++running;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(duration);
    {
      std::lock_guard lock(mutex);
      order.push_back(job.id);
    }
    --running;
    if (failing.count(job.id)) throw std::runtime_error(job.id + " broke");
    return job.id + " ok";
  }
};

class CountingObserver : public Observer {
 public:
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  void job_started(const Job&, const std::filesystem::path&) override { ++started; }
  void job_finished(const Job&, const JobReport&) override { ++finished; }
};

}  // namespace

TEST(Runner, RunsIndependentJobsInParallelUpToTheLimit) {
  testkit::ScratchDir dir;
  const Plan plan = graph({{"a", {}}, {"b", {}}, {"c", {}}, {"d", {}}, {"e", {}}, {"f", {}}});
  RecordingWork work;
  CountingObserver observer;
  exec::CancelToken cancel;
  const RunResult result = run_plan(plan, 3, work, observer, dir.path(), cancel);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(work.peak.load(), 3);
  EXPECT_EQ(observer.started.load(), 6);
  EXPECT_EQ(observer.finished.load(), 6);
  EXPECT_EQ(result.jobs[0].detail, "a ok");
  EXPECT_EQ(result.jobs[0].log, dir.path() / "a.log");
}

TEST(Runner, DependenciesRunFirst) {
  testkit::ScratchDir dir;
  const Plan plan = graph({{"build/x", {}}, {"build/y", {}}, {"publish/x", {"build/x", "build/y"}}});
  RecordingWork work;
  CountingObserver observer;
  exec::CancelToken cancel;
  const RunResult result = run_plan(plan, 4, work, observer, dir.path(), cancel);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(work.order.back(), "publish/x");
  EXPECT_EQ(result.jobs[2].log, dir.path() / "publish-x.log");
}

TEST(Runner, AFailureSkipsItsDependantsAndTheRestFinish) {
  testkit::ScratchDir dir;
  const Plan plan = graph({{"felix/xenial", {}}, {"felix/centos7", {}}, {"pub_debs/xenial", {"felix/xenial"}},
                           {"pub_rpms/centos7", {"felix/centos7"}}, {"later", {"pub_debs/xenial"}}});
  RecordingWork work;
  work.failing = {"felix/xenial"};
  CountingObserver observer;
  exec::CancelToken cancel;
  const RunResult result = run_plan(plan, 2, work, observer, dir.path(), cancel);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.jobs[0].state, JobState::failed);
  EXPECT_EQ(result.jobs[0].detail, "felix/xenial broke");
  EXPECT_NE(testkit::read_text(result.jobs[0].log).find("# failed: felix/xenial broke\n"), std::string::npos)
      << "the log says why";
  EXPECT_EQ(result.jobs[1].state, JobState::succeeded);
  EXPECT_EQ(result.jobs[2].state, JobState::skipped);
  EXPECT_EQ(result.jobs[2].detail, "not run: felix/xenial failed");
  EXPECT_EQ(result.jobs[3].state, JobState::succeeded);
  EXPECT_EQ(result.jobs[4].state, JobState::skipped);
  EXPECT_EQ(result.jobs[4].detail, "not run: pub_debs/xenial skipped");
  ASSERT_EQ(result.failures().size(), 1u);
  EXPECT_EQ(observer.finished.load(), 5);
}

TEST(Runner, FinishedJobsOfAnEarlierAttemptAreNotRunAgain) {
  testkit::ScratchDir dir;
  const Plan plan = graph({{"a", {}}, {"b", {"a"}}});
  RecordingWork work;
  CountingObserver observer;
  exec::CancelToken cancel;
  JobReport done;
  done.id = "a";
  done.state = JobState::succeeded;
  done.detail = "from before";
  const RunResult result = run_plan(plan, 2, work, observer, dir.path(), cancel, {done});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(work.order, std::vector<std::string>{"b"});
  EXPECT_EQ(result.jobs[0].detail, "from before");
}

TEST(Runner, NothingNewStartsOnceCancelled) {
  testkit::ScratchDir dir;
  const Plan plan = graph({{"a", {}}, {"b", {"a"}}, {"c", {"b"}}});
  exec::CancelToken cancel;
  class CancellingWork : public RecordingWork {
   public:
    exec::CancelToken* token = nullptr;
    std::string run(const Job& job, const std::filesystem::path& log, const exec::CancelToken& c) override {
      const std::string out = RecordingWork::run(job, log, c);
      token->cancel();  // cancelled while "a" runs
      return out;
    }
  } work;
  work.token = &cancel;
  CountingObserver observer;
  const RunResult result = run_plan(plan, 2, work, observer, dir.path(), cancel);
  EXPECT_EQ(work.order, std::vector<std::string>{"a"});
  EXPECT_EQ(result.jobs[1].state, JobState::cancelled);
  EXPECT_EQ(result.jobs[1].detail, "not run: the build was cancelled");
  EXPECT_EQ(result.jobs[2].state, JobState::cancelled);
  EXPECT_EQ(observer.finished.load(), 3);
}

TEST(Runner, AnOptionalJobIsWaitedForButItsFailureHoldsNothingBack) {
  testkit::ScratchDir dir;
  Plan plan = graph({{"nettle/xenial", {}}, {"felix/xenial", {}}, {"pub_debs/xenial", {"felix/xenial"}}});
  plan.jobs[2].after = {"nettle/xenial"};
  RecordingWork work;
  work.failing = {"nettle/xenial"};
  CountingObserver observer;
  exec::CancelToken cancel;
  const RunResult result = run_plan(plan, 3, work, observer, dir.path(), cancel);
  EXPECT_EQ(result.jobs[0].state, JobState::failed);
  EXPECT_EQ(result.jobs[2].state, JobState::succeeded);
  EXPECT_FALSE(result.ok()) << "the optional failure is still reported";
  // pub_debs started only after nettle had ended.
  EXPECT_LT(std::find(work.order.begin(), work.order.end(), "nettle/xenial") - work.order.begin(),
            std::find(work.order.begin(), work.order.end(), "pub_debs/xenial") - work.order.begin());
}
