// builders/files: the one way builders read and write whole files, and the errors they name.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "builders/files.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::builders;

namespace {
struct DomainError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace

TEST(Files, WriteThenReadAndAppend) {
  testkit::ScratchDir dir;
  const std::filesystem::path file = dir.path() / "a.txt";
  write_text(file, "one\n");
  append_to_file(file, "two\n");
  EXPECT_EQ(read_text(file), "one\ntwo\n");
  write_text(file, "replaced");
  EXPECT_EQ(read_whole_file(file).value_or(""), "replaced");
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp")) << "the temporary is renamed, not left";
}

TEST(Files, ErrorsAreTheCallersTypeAndNameTheFileAndWhy) {
  testkit::ScratchDir dir;
  try {
    read_text<DomainError>(dir.path() / "missing");
    ADD_FAILURE() << "reading a missing file must throw";
  } catch (const DomainError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot read " + (dir.path() / "missing").string() + ": it does not exist");
  }
  try {
    write_text<DomainError>(dir.path() / "no-such-dir" / "x", "text");
    ADD_FAILURE() << "writing into a missing directory must throw";
  } catch (const DomainError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write " + (dir.path() / "no-such-dir" / "x").string() + ": " +
                                         (dir.path() / "no-such-dir").string() + " is not a directory");
  }
  EXPECT_EQ(file_error("read", dir.path()), "cannot read " + dir.path().string() + ": it is a directory");
}

TEST(Files, ASecretIsOwnerOnly) {
  testkit::ScratchDir dir;
  const std::filesystem::path file = dir.path() / "passphrase";
  write_text(file, "secret", FileAccess::owner_only);
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}
