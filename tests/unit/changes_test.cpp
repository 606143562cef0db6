#include <gtest/gtest.h>

#include "builders/sign/changes.hpp"

using namespace calico::builders::sign;

TEST(ChangesChecksums, RewritesEveryLineForTheFile) {
  const std::string changes =
      "Format: 1.8\nSource: felix\nChecksums-Sha1:\n 1111 10 felix_1.dsc\n 2222 20 felix_1.orig.tar.gz\n"
      "Checksums-Sha256:\n 3333 10 felix_1.dsc\n 4444 20 felix_1.orig.tar.gz\n"
      "Files:\n 5555 10 net optional felix_1.dsc\n 6666 20 net optional felix_1.orig.tar.gz\n";
  const std::string updated = update_changes_checksums(changes, "felix_1.dsc", "signed");
  EXPECT_EQ(updated,
            "Format: 1.8\nSource: felix\nChecksums-Sha1:\n " + sha1_hex("signed") + " 6 felix_1.dsc\n 2222 20 felix_1.orig.tar.gz\n"
            "Checksums-Sha256:\n " + sha256_hex("signed") + " 6 felix_1.dsc\n 4444 20 felix_1.orig.tar.gz\n"
            "Files:\n " + md5_hex("signed") + " 6 net optional felix_1.dsc\n 6666 20 net optional felix_1.orig.tar.gz\n");
  EXPECT_THROW(update_changes_checksums(changes, "other.dsc", "x"), SignError);
}

TEST(ChangesChecksums, DigestsAreTheStandardOnes) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
