#include "builders/sign/changes.hpp"

#include "builders/files.hpp"
#include "builders/text.hpp"

#include <openssl/evp.h>

#include <sstream>
#include <vector>

namespace calico::builders::sign {

namespace {

std::string digest_hex(const EVP_MD* md, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr) != 1) throw SignError("digest failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string read(const std::filesystem::path& file) {
  return read_text<SignError>(file);
}

void write(const std::filesystem::path& file, const std::string& text) {
  write_text<SignError>(file, text);
}

std::vector<std::string> split_fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

}  // namespace

std::string md5_hex(std::string_view data) { return digest_hex(EVP_md5(), data); }
std::string sha1_hex(std::string_view data) { return digest_hex(EVP_sha1(), data); }
std::string sha256_hex(std::string_view data) { return digest_hex(EVP_sha256(), data); }

std::string update_changes_checksums(std::string_view changes, std::string_view file_name, std::string_view content) {
  std::istringstream lines{std::string(changes)};
  std::ostringstream out;
  std::string section;
  std::string line;
  int rewritten = 0;
  const std::string size = std::to_string(content.size());
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != ' ') section = line.substr(0, line.find(':'));
    if (!line.empty() && line[0] == ' ') {
      std::vector<std::string> fields = split_fields(line);
      if (!fields.empty() && fields.back() == file_name) {
        if (section == "Files" && fields.size() == 5) {
          line = " " + md5_hex(content) + " " + size + " " + fields[2] + " " + fields[3] + " " + fields[4];
          ++rewritten;
        } else if (section == "Checksums-Sha1" && fields.size() == 3) {
          line = " " + sha1_hex(content) + " " + size + " " + fields[2];
          ++rewritten;
        } else if (section == "Checksums-Sha256" && fields.size() == 3) {
          line = " " + sha256_hex(content) + " " + size + " " + fields[2];
          ++rewritten;
        }
      }
    }
    out << line << '\n';
  }
  if (rewritten == 0) throw SignError("the .changes does not list " + std::string(file_name));
  return out.str();
}

void sign_changes(const Keyring& keyring, const std::filesystem::path& changes_file) {
  std::string changes = read(changes_file);
  if (changes.rfind("-----BEGIN PGP SIGNED MESSAGE-----", 0) == 0) {
    throw SignError(changes_file.string() + " is already signed");
  }
  std::istringstream lines(changes);
  std::vector<std::string> to_sign;
  bool in_files = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Files:", 0) == 0) {
      in_files = true;
      continue;
    }
    if (in_files && (line.empty() || line[0] != ' ')) break;
    if (in_files) {
      const std::string name = line.substr(line.find_last_of(' ') + 1);
      if (name.ends_with(".dsc") || name.ends_with(".buildinfo")) to_sign.push_back(name);
    }
  }
  for (const std::string& name : to_sign) {
    const std::filesystem::path file = changes_file.parent_path() / name;
    keyring.clearsign_file(file);
    changes = update_changes_checksums(changes, name, read(file));
  }
  write(changes_file, keyring.clearsign(changes));
}

}  // namespace calico::builders::sign
