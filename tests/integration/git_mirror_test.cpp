// builders::git::Mirror against real repositories made with git.
#include <gtest/gtest.h>

#include <algorithm>

#include "builders/git/mirror.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/git_fixture.hpp"

using namespace calico;
using builders::git::GitError;
using builders::git::Mirror;

class GitMirrorTest : public ::testing::Test {
 protected:
  GitMirrorTest() : upstream_(dir_.path() / "upstream") {
    c1_ = upstream_.commit("README", "felix\n", "Initial commit");
    c2_ = upstream_.commit("version", "3.15.0\n", "Release v3.15.0");
    upstream_.tag("v3.15.0");                  // annotated
    c3_ = upstream_.commit("a.go", "package a\n", "Add a");
    c4_ = upstream_.commit("b.go", "package b\n", "Add b");
    upstream_.tag("v3.16.0", /*annotated=*/false);
    upstream_.branch("release-v3.16");
    c5_ = upstream_.commit("c.go", "package c\n", "Add c on master");
    upstream_.checkout("release-v3.16");
    r1_ = upstream_.commit("fix.go", "package fix\n", "Fix on the release branch");
    upstream_.tag("v3.16.1");
    upstream_.tag("v3.16.1-python2");
    upstream_.checkout("master");
  }

  testkit::ScratchDir dir_;
  testkit::GitFixture upstream_;
  std::string c1_, c2_, c3_, c4_, c5_, r1_;
};

TEST_F(GitMirrorTest, ResolvesBranchesTagsAndCommitIds) {
  Mirror mirror(dir_.path() / "cache", upstream_.path().string());
  mirror.fetch();
  EXPECT_EQ(mirror.resolve("master"), c5_);
  EXPECT_EQ(mirror.resolve("release-v3.16"), r1_);
  EXPECT_EQ(mirror.resolve("v3.15.0"), c2_);  // annotated tag peeled to its commit
  EXPECT_EQ(mirror.resolve("v3.16.0"), c4_);
  EXPECT_EQ(mirror.resolve(c3_), c3_);
  EXPECT_EQ(mirror.resolve(c3_.substr(0, 7)), c3_);
  try {
    mirror.resolve("v9.9.9");
    FAIL();
  } catch (const GitError& e) {
    EXPECT_EQ(std::string(e.what()), "\"v9.9.9\" is not a branch, tag or commit of " + upstream_.path().string());
  }
  EXPECT_THROW(mirror.resolve("abc"), GitError);  // too short to be an abbreviation
}

TEST_F(GitMirrorTest, FactsNameTheTagsAtTheCommitAndTheNearestTagAsGitDescribeDoes) {
  Mirror mirror(dir_.path() / "cache", upstream_.path().string());
  mirror.fetch();
  const auto master = mirror.facts(c5_);
  ASSERT_TRUE(master.nearest_tag);
  EXPECT_EQ(*master.nearest_tag, "v3.16.0");  // lightweight tags count (--tags); v3.16.1 is on the branch only
  EXPECT_EQ(master.commits_since, 1u);
  EXPECT_TRUE(master.tags_at.empty());
  EXPECT_EQ(master.subject, "Add c on master");
  EXPECT_EQ(master.committed_at.time_since_epoch().count(), 1606780800 + 60 * 5);
  EXPECT_EQ(upstream_.git({"describe", "--tags", "--abbrev=0", c5_}), *master.nearest_tag + "\n");

  const auto release = mirror.facts(r1_);
  EXPECT_EQ(release.tags_at, (std::vector<std::string>{"v3.16.1", "v3.16.1-python2"}));
  EXPECT_EQ(release.commits_since, 0u);

  const auto first = mirror.facts(c1_);
  EXPECT_FALSE(first.nearest_tag);
  EXPECT_THROW(builders::auto_version("master", first.version_facts()), builders::VersionError);
}

TEST_F(GitMirrorTest, MergeCommitsAreNotCountedAsGitCherryDoesNot) {
  upstream_.branch("topic");
  upstream_.checkout("topic");
  upstream_.commit("t1.go", "package t\n", "Topic 1");
  upstream_.commit("t2.go", "package t\n", "Topic 2");
  upstream_.checkout("master");
  upstream_.git({"merge", "--no-ff", "-q", "-m", "Merge topic", "topic"});
  const std::string merge = upstream_.head();
  Mirror mirror(dir_.path() / "cache", upstream_.path().string());
  mirror.fetch();
  const auto facts = mirror.facts(merge);
  EXPECT_EQ(facts.commits_since, 3u);  // c.go, t1, t2; not the merge
  const std::string cherry = upstream_.git({"cherry", "v3.16.0", merge});
  EXPECT_EQ(static_cast<std::uint64_t>(std::count(cherry.begin(), cherry.end(), '\n')), facts.commits_since) << cherry;
}

TEST_F(GitMirrorTest, FetchUpdatesTheSameMirrorAndPrunesDeletedRefs) {
  Mirror mirror(dir_.path() / "cache", upstream_.path().string());
  mirror.fetch();
  testkit::write_file(mirror.path() / "calico-marker", "kept");  // proves the mirror is not re-cloned
  const std::string c6 = upstream_.commit("d.go", "package d\n", "Add d");
  EXPECT_EQ(mirror.resolve("release-v3.16"), r1_);
  upstream_.delete_branch("release-v3.16");
  {
    Mirror again(dir_.path() / "cache", upstream_.path().string());
    again.fetch();
    EXPECT_EQ(again.resolve("master"), c6);
    EXPECT_EQ(again.facts(c6).commits_since, 2u);
    EXPECT_THROW(again.resolve("release-v3.16"), GitError);
    EXPECT_EQ(again.resolve("v3.16.1"), r1_);  // the tag still holds the commit
  }
  EXPECT_TRUE(std::filesystem::exists(mirror.path() / "calico-marker"));
}

TEST_F(GitMirrorTest, ExportWritesTheTreeWithoutGitMetadata) {
  Mirror mirror(dir_.path() / "cache", upstream_.path().string());
  mirror.fetch();
  const auto tree = dir_.path() / "work" / "felix";
  mirror.export_tree(c4_, tree);
  EXPECT_EQ(testkit::read_text(tree / "version"), "3.15.0\n");
  EXPECT_TRUE(std::filesystem::exists(tree / "b.go"));
  EXPECT_FALSE(std::filesystem::exists(tree / "c.go"));
  EXPECT_FALSE(std::filesystem::exists(tree / ".git"));
  EXPECT_THROW(mirror.export_tree(c5_, tree), GitError);  // not empty
}

TEST_F(GitMirrorTest, AnUnreachableRemoteIsAClearError) {
  Mirror mirror(dir_.path() / "cache", (dir_.path() / "no-such-repo").string());
  try {
    mirror.fetch();
    FAIL();
  } catch (const GitError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot fetch " + (dir_.path() / "no-such-repo").string() + ": ", 0), 0u) << e.what();
  }
}

TEST(MirrorName, IsStableDistinctAndSafe) {
  const std::string a = builders::git::mirror_name("https://github.com/projectcalico/felix.git");
  EXPECT_EQ(a, builders::git::mirror_name("https://github.com/projectcalico/felix.git"));
  EXPECT_NE(a, builders::git::mirror_name("https://github.com/someone/felix.git"));
  EXPECT_EQ(a.find('/'), std::string::npos);
  const std::string escape = builders::git::mirror_name("../../../etc");
  EXPECT_EQ(escape.find('/'), std::string::npos);
  EXPECT_EQ(escape.find(".."), std::string::npos);
}
