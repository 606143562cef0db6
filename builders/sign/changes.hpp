// debsign's job, done with our own keyring: sign the .dsc (and .buildinfo) a .changes lists,
// put their new checksums and sizes into the .changes, then sign the .changes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "builders/sign/keyring.hpp"

namespace calico::builders::sign {

// The .changes text with every checksum line for `file_name` (Files, Checksums-Sha1,
// Checksums-Sha256) rewritten for `content`. Throws SignError if the file is not listed.
std::string update_changes_checksums(std::string_view changes, std::string_view file_name, std::string_view content);

// Signs the .dsc and .buildinfo listed in `changes_file` in place, fixes the .changes, and signs it.
void sign_changes(const Keyring& keyring, const std::filesystem::path& changes_file);

// Hex digests.
std::string md5_hex(std::string_view data);
std::string sha1_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

}  // namespace calico::builders::sign
