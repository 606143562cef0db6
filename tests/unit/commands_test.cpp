// The slash-command grammar: which lines are commands, and each command's arguments, with the
// error a maintainer reads for every way of getting them wrong.
#include <gtest/gtest.h>

#include "handlers/commands/command.hpp"
#include "handlers/registry.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using handlers::commands::Command;
using handlers::commands::parse_comment;

namespace {

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = testkit::test_config(dir_.path()); }

  Command only(const std::string& body) {
    auto found = parse_comment(body, config_);
    EXPECT_EQ(found.size(), 1u) << body;
    return found.empty() ? Command{} : found.front();
  }

  testkit::ScratchDir dir_;
  config::Config config_;
};

TEST_F(CommandsTest, PublishTakesATargetAndOptionalStepsAndPlatforms) {
  Command master = only("/publish master");
  EXPECT_TRUE(master.ok()) << master.error;
  EXPECT_EQ(master.name, "publish");
  EXPECT_EQ(master.target, "master");
  EXPECT_TRUE(master.steps.empty());

  Command release_line = only("  /publish calico-3.4 steps=felix,pub_debs platforms=xenial,bionic  ");
  EXPECT_TRUE(release_line.ok()) << release_line.error;
  EXPECT_EQ(release_line.target, "calico-3.4");
  EXPECT_EQ(release_line.steps, (std::vector<std::string>{"felix", "pub_debs"}));
  EXPECT_EQ(release_line.platforms, (std::vector<std::string>{"xenial", "bionic"}));
  EXPECT_EQ(release_line.usage, "/publish <master|calico-X.Y|vX.Y.Z> [steps=a,b] [platforms=x,y] [--dry-run]");

  Command tag = only("/publish v3.4.1 platforms=centos7");
  EXPECT_TRUE(tag.ok()) << tag.error;
  EXPECT_EQ(tag.target, "v3.4.1");
  EXPECT_EQ(tag.platforms, std::vector<std::string>{"centos7"});
}

TEST_F(CommandsTest, PublishArgumentErrorsSayWhatIsWrong) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/publish", "needs a target: master, calico-X.Y or vX.Y.Z"},
      {"/publish calico-3", "\"calico-3\" is not a target"},
      {"/publish v3.4", "\"v3.4\" is not a target"},
      {"/publish ../../etc", "\"../../etc\" is not a target"},
      {"/publish master;rm", "\"master;rm\" is not a target"},
      {"/publish calico-03.4", "\"calico-03.4\" is not a target"},
      {"/publish master steps=felix,compile", "\"compile\" is not a step"},
      {"/publish master steps=felix,,net_cal", "steps= has an empty item"},
      {"/publish master steps=felix,felix", "\"felix\" is given twice in steps="},
      {"/publish master steps=felix steps=net_cal", "steps= is given twice"},
      {"/publish master platforms=windows", "\"windows\" is not a configured platform (trusty, xenial, bionic, focal, centos7)"},
      {"/publish master platforms=", "platforms= has an empty item"},
      {"/publish master now", "\"now\" is not an option: use steps=a,b, platforms=x,y or --dry-run"},
      {"/publish master force=yes", "\"force=yes\" is not an option"},
  };
  for (const auto& [line, error] : cases) {
    Command command = only(line);
    EXPECT_FALSE(command.ok()) << line;
    EXPECT_NE(command.error.find(error), std::string::npos) << line << " → " << command.error;
    EXPECT_EQ(command.usage, "/publish <master|calico-X.Y|vX.Y.Z> [steps=a,b] [platforms=x,y] [--dry-run]");
  }
}

TEST_F(CommandsTest, BuildCommandsTakeAnOptionalBuildNumber) {
  for (const std::string name : {"status", "cancel", "retry"}) {
    Command bare = only("/" + name);
    EXPECT_TRUE(bare.ok()) << bare.error;
    EXPECT_FALSE(bare.build.has_value());
    Command numbered = only("/" + name + " 12");
    EXPECT_EQ(numbered.build, 12);
    Command hashed = only("/" + name + " #7");
    EXPECT_EQ(hashed.build, 7);
    Command word = only("/" + name + " latest");
    EXPECT_NE(word.error.find("\"latest\" is not a build number"), std::string::npos) << word.error;
    Command zero = only("/" + name + " 012");
    EXPECT_FALSE(zero.ok());
    Command huge = only("/" + name + " 12345678901");
    EXPECT_FALSE(huge.ok());
    Command two = only("/" + name + " 1 2");
    EXPECT_NE(two.error.find("at most one argument"), std::string::npos) << two.error;
    EXPECT_EQ(two.usage, "/" + name + " [build]");
  }
}

TEST_F(CommandsTest, PublishDryRunIsAFlagAnywhereAfterTheTarget) {
  Command dry = only("/publish calico-3.4 --dry-run platforms=xenial");
  EXPECT_TRUE(dry.ok()) << dry.error;
  EXPECT_TRUE(dry.dry_run);
  EXPECT_EQ(dry.platforms, (std::vector<std::string>{"xenial"}));
  EXPECT_FALSE(only("/publish master").dry_run);
  EXPECT_EQ(only("/publish master --dry-run --dry-run").error, "--dry-run is given twice");
  EXPECT_FALSE(only("/publish --dry-run").ok()) << "the target comes first";
  const handlers::commands::CommandSpec* publish = handlers::commands::find_command("publish");
  ASSERT_TRUE(publish);
  EXPECT_TRUE(publish->needs_permission(only("/publish master")));
  EXPECT_FALSE(publish->needs_permission(dry)) << "a dry run changes nothing: anyone may ask";
}

TEST_F(CommandsTest, HelpTakesNothingAndUnknownWordsAreNotCommands) {
  EXPECT_TRUE(only("/help").ok());
  EXPECT_EQ(only("/help me").error, "takes no arguments");
  // Another bot's command, or a word nobody knows: not ours, so nothing to answer.
  EXPECT_TRUE(parse_comment("/deploy prod\n/lgtm\n/" + std::string(300, 'x') + "\n", config_).empty());
  const auto mixed = parse_comment("/lgtm\n/approve\n/STATUS 3\n", config_);
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_EQ(mixed[0].name, "status");
  EXPECT_EQ(mixed[0].line_number, 3);
}

TEST_F(CommandsTest, OnlyCommandShapedLinesOutsideCodeFencesCount) {
  const std::string body =
      "Thanks! /publish in the middle of a line is prose.\n"
      "/usr/bin/dpkg is missing on the builder\n"
      "/ alone\n"
      "> /publish master\n"
      "```\n/publish master\n```\n"
      "/status\r\n"
      "/publish v3.4.1\n";
  auto found = parse_comment(body, config_);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].name, "status");
  EXPECT_EQ(found[0].line_number, 8);
  EXPECT_EQ(found[1].target, "v3.4.1");
  EXPECT_EQ(found[1].line_number, 9);
}

TEST_F(CommandsTest, MarkdownDecidesWhatIsACommandAsGitHubRendersIt) {
  // None of these is a command a reader sees: code, comments, quotes, list items.
  const std::vector<std::string> hidden = {
      "Run this:\n\n    /publish master\n",                        // indented code
      "\t/publish master\n",                                       // a tab is indentation too
      "<!-- /publish master -->\n",                                 // an HTML comment
      "<!--\nnote to self:\n/publish master\n-->\n",                // over several lines
      "- step one\n  ```\n  /publish master\n  ```\n",               // a fence in a list item
      "1. build\n   ~~~sh\n   /publish master\n   ~~~\n",            // an ordered item's tilde fence
      "````\n```\n/publish master\n```\n/publish master\n````\n",   // a longer fence holds shorter ones
      "> ```\n> /publish master\n> ```\n",                          // a fence in a block quote
      "- /publish master\n",                                        // a list item is prose
  };
  for (const std::string& body : hidden) EXPECT_TRUE(parse_comment(body, config_).empty()) << body;
  // An unclosed comment hides the rest, as GitHub's rendering does.
  EXPECT_TRUE(parse_comment("<!-- draft\n/publish master\n", config_).empty());
  // After a fence closes (with the same marker, at least as long), lines count again.
  EXPECT_EQ(only("```\ncode\n```\n/publish master").target, "master");
  EXPECT_EQ(only("````\n```\n````\n/publish master").line_number, 4);
  EXPECT_EQ(only("<!-- hidden --> \n/publish master").line_number, 2);
  EXPECT_EQ(only("   /publish master").target, "master") << "three spaces are not code";
  // A line with ``` and text after a backtick is inline code, not a fence.
  EXPECT_EQ(only("```x` is inline\n/publish master").target, "master");
}

TEST_F(CommandsTest, CommandWordsMatchWhateverTheirCase) {
  Command upper = only("/Publish master");
  EXPECT_TRUE(upper.ok()) << upper.error;
  EXPECT_EQ(upper.name, "publish");
  EXPECT_EQ(only("/STATUS").name, "status");
}

TEST_F(CommandsTest, LongLinesAndFloodsAreBounded) {
  Command long_line = only("/publish master " + std::string(300, 'x'));
  EXPECT_EQ(long_line.error, "the line is longer than 200 characters");
  EXPECT_LE(long_line.line.size(), 200u);
  std::string flood;
  for (int i = 0; i < 50; ++i) flood += "/status\n";
  EXPECT_EQ(parse_comment(flood, config_).size(), 10u);
}

TEST_F(CommandsTest, QuotedLinesCannotCarryMarkupOrControlCharacters) {
  Command command = only("/publish `x`\x01");
  EXPECT_FALSE(command.ok());
  EXPECT_EQ(command.line.find('`'), std::string::npos);
  EXPECT_EQ(command.line.find('\x01'), std::string::npos);
}

TEST_F(CommandsTest, TheCommentHandlerRunsOnlyOnWatchedRepositories) {
  handlers::Registry registry = handlers::default_registry();
  handlers::CommentEvent event{"projectcalico/felix", 12, 99, "/publish master\n/nope\n/status nope", {"maintainer", false}};
  handlers::HandlerResult result = registry.dispatch(event, handlers::HandlerContext{config_});
  ASSERT_EQ(result.commands.size(), 2u);
  EXPECT_EQ(result.commands[0].repository, "projectcalico/felix");
  EXPECT_EQ(result.commands[0].issue_number, 12);
  EXPECT_EQ(result.commands[0].comment_id, 99);
  EXPECT_EQ(result.commands[0].author, "maintainer");
  EXPECT_TRUE(result.commands[0].command.ok());
  EXPECT_FALSE(result.commands[1].command.ok());
  EXPECT_TRUE(result.build_requests.empty());  // nothing is queued before the permission check

  handlers::CommentEvent elsewhere{"someone/else", 1, 2, "/publish master", {"maintainer", false}};
  EXPECT_TRUE(registry.dispatch(elsewhere, handlers::HandlerContext{config_}).commands.empty());
}

}  // namespace
