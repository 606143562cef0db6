#include "builders/git/mirror.hpp"

#include <git2.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

#include "builders/files.hpp"

namespace calico::builders::git {

void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // Frees libgit2's global and per-thread state at exit (LeakSanitizer checks for it).
    std::atexit([] { git_libgit2_shutdown(); });
  });
}

namespace {

[[noreturn]] void fail(const std::string& what) {
  const git_error* error = git_error_last();
  throw GitError(what + ": " + (error && error->message ? error->message : "unknown libgit2 error"));
}

void check(int rc, const std::string& what) {
  if (rc < 0) fail(what);
}

// RAII for libgit2 objects.
template <class T, void (*Free)(T*)>
struct Owned {
  T* ptr = nullptr;
  ~Owned() {
    if (ptr) Free(ptr);
  }
  T** out() { return &ptr; }
  T* get() const { return ptr; }
};

std::string oid_hex(const git_oid& oid) {
  char buffer[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buffer, sizeof buffer, &oid);
  return buffer;
}

bool is_hex(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::string mirror_name(std::string_view remote_url) {
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a: stable across builds and machines
  for (unsigned char c : remote_url) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  std::string readable;
  for (char c : remote_url.substr(remote_url.size() > 40 ? remote_url.size() - 40 : 0)) {
    readable += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  char suffix[20];
  std::snprintf(suffix, sizeof suffix, "-%016llx", static_cast<unsigned long long>(hash));
  return readable + suffix + ".git";
}

namespace {

// One lock per mirror directory for the whole process: builds running side by side, and a
// /publish --dry-run looking ahead, share the mirrors; two fetches into one repository at once
// fail on its ref locks.
std::mutex& lock_of(const std::filesystem::path& path) {
  static std::mutex registry;
  static std::map<std::string, std::unique_ptr<std::mutex>> locks;
  std::lock_guard guard(registry);
  std::unique_ptr<std::mutex>& slot = locks[path.string()];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

}  // namespace

Mirror::Mirror(const std::filesystem::path& cache_root, std::string remote_url)
    : remote_url_(std::move(remote_url)), path_(cache_root / mirror_name(remote_url_)) {
  init_libgit2();
  std::lock_guard creating(lock_of(path_));
  std::filesystem::create_directories(cache_root);
  if (git_repository_open_bare(&repo_, path_.c_str()) == 0) return;
  check(git_repository_init(&repo_, path_.c_str(), /*is_bare=*/1), "cannot create the mirror " + path_.string());
  Owned<git_remote, git_remote_free> remote;
  check(git_remote_create_with_fetchspec(remote.out(), repo_, "origin", remote_url_.c_str(), "+refs/*:refs/*"),
        "cannot add remote " + remote_url_);
}

Mirror::~Mirror() { git_repository_free(repo_); }

void Mirror::fetch() {
  std::lock_guard fetching(lock_of(path_));
  Owned<git_remote, git_remote_free> remote;
  check(git_remote_lookup(remote.out(), repo_, "origin"), "the mirror " + path_.string() + " has no origin");
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.prune = GIT_FETCH_PRUNE;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
  check(git_remote_fetch(remote.get(), nullptr, &options, "calico-release-bot fetch"), "cannot fetch " + remote_url_);
}

std::string Mirror::resolve(std::string_view checkout) const {
  const std::string name(checkout);
  for (const std::string& ref : {"refs/heads/" + name, "refs/tags/" + name}) {
    Owned<git_object, git_object_free> object;
    if (git_revparse_single(object.out(), repo_, ref.c_str()) == 0) {
      Owned<git_object, git_object_free> commit;
      check(git_object_peel(commit.out(), object.get(), GIT_OBJECT_COMMIT), ref + " is not a commit");
      return oid_hex(*git_object_id(commit.get()));
    }
  }
  if (is_hex(name) && name.size() >= 7 && name.size() <= GIT_OID_HEXSZ) {
    git_oid prefix;
    if (git_oid_fromstrn(&prefix, name.c_str(), name.size()) == 0) {
      Owned<git_commit, git_commit_free> commit;
      if (git_commit_lookup_prefix(commit.out(), repo_, &prefix, name.size()) == 0) {
        return oid_hex(*git_commit_id(commit.get()));
      }
    }
  }
  throw GitError("\"" + name + "\" is not a branch, tag or commit of " + remote_url_);
}

CommitFacts Mirror::facts(const std::string& sha) const {
  CommitFacts facts;
  git_oid oid;
  check(git_oid_fromstr(&oid, sha.c_str()), "\"" + sha + "\" is not a commit id");
  Owned<git_commit, git_commit_free> commit;
  check(git_commit_lookup(commit.out(), repo_, &oid), "no commit " + sha + " in " + remote_url_);
  facts.sha = oid_hex(oid);
  facts.committed_at = std::chrono::sys_seconds(std::chrono::seconds(git_commit_time(commit.get())));
  const char* summary = git_commit_summary(commit.get());
  facts.subject = summary ? summary : "";

  struct TagScan {
    git_repository* repo;
    const git_oid* head;
    CommitFacts* facts;
  } scan{repo_, &oid, &facts};
  git_tag_foreach(
      repo_,
      [](const char* name, git_oid* target, void* payload) -> int {
        auto& s = *static_cast<TagScan*>(payload);
        Owned<git_object, git_object_free> object, peeled;
        if (git_object_lookup(object.out(), s.repo, target, GIT_OBJECT_ANY) != 0) return 0;
        if (git_object_peel(peeled.out(), object.get(), GIT_OBJECT_COMMIT) != 0) return 0;
        if (git_oid_equal(git_object_id(peeled.get()), s.head)) {
          s.facts->tags_at.emplace_back(std::string_view(name).substr(std::string_view("refs/tags/").size()));
        }
        return 0;
      },
      &scan);
  std::sort(facts.tags_at.begin(), facts.tags_at.end());

  // git describe --tags --abbrev=0: the nearest tag, then the non-merge commits since it.
  Owned<git_describe_result, git_describe_result_free> described;
  git_describe_options describe = GIT_DESCRIBE_OPTIONS_INIT;
  describe.describe_strategy = GIT_DESCRIBE_TAGS;
  if (git_describe_commit(described.out(), reinterpret_cast<git_object*>(commit.get()), &describe) == 0) {
    git_describe_format_options format = GIT_DESCRIBE_FORMAT_OPTIONS_INIT;
    format.abbreviated_size = 0;
    git_buf name = GIT_BUF_INIT;
    if (git_describe_format(&name, described.get(), &format) == 0) facts.nearest_tag = std::string(name.ptr, name.size);
    git_buf_dispose(&name);
  }
  if (facts.nearest_tag) {
    const std::string tag_commit = resolve(*facts.nearest_tag);
    git_oid tag_oid;
    check(git_oid_fromstr(&tag_oid, tag_commit.c_str()), "bad tag target");
    Owned<git_revwalk, git_revwalk_free> walk;
    check(git_revwalk_new(walk.out(), repo_), "cannot walk history");
    check(git_revwalk_push(walk.get(), &oid), "cannot walk from " + sha);
    check(git_revwalk_hide(walk.get(), &tag_oid), "cannot walk from " + *facts.nearest_tag);
    git_oid next;
    while (git_revwalk_next(&next, walk.get()) == 0) {
      Owned<git_commit, git_commit_free> walked;
      check(git_commit_lookup(walked.out(), repo_, &next), "cannot read commit");
      if (git_commit_parentcount(walked.get()) <= 1) ++facts.commits_since;
    }
  }
  return facts;
}

GitVersionFacts CommitFacts::version_facts() const {
  return {tags_at, nearest_tag, commits_since, committed_at, sha};
}

namespace {
// The object at `path` in the tree of commit `sha` (a blob or a tree).
void object_at(git_repository* repo, const std::string& url, const std::string& sha, const std::string& path,
               Owned<git_object, git_object_free>& object) {
  git_oid oid;
  check(git_oid_fromstr(&oid, sha.c_str()), "\"" + sha + "\" is not a commit id");
  Owned<git_commit, git_commit_free> commit;
  check(git_commit_lookup(commit.out(), repo, &oid), "no commit " + sha + " in " + url);
  Owned<git_tree, git_tree_free> tree;
  check(git_commit_tree(tree.out(), commit.get()), "cannot read the tree of " + sha);
  Owned<git_tree_entry, git_tree_entry_free> entry;
  check(git_tree_entry_bypath(entry.out(), tree.get(), path.c_str()), url + " has no " + path + " at " + sha.substr(0, 12));
  check(git_tree_entry_to_object(object.out(), repo, entry.get()), "cannot read " + path);
}
}  // namespace

std::string Mirror::read_file(const std::string& sha, const std::string& path) const {
  Owned<git_object, git_object_free> object;
  object_at(repo_, remote_url_, sha, path, object);
  if (git_object_type(object.get()) != GIT_OBJECT_BLOB) throw GitError(path + " is not a file in " + remote_url_);
  const auto* blob = reinterpret_cast<const git_blob*>(object.get());
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob)), static_cast<std::size_t>(git_blob_rawsize(blob)));
}

void Mirror::export_directory(const std::string& sha, const std::string& path, const std::filesystem::path& target) const {
  Owned<git_object, git_object_free> object;
  object_at(repo_, remote_url_, sha, path, object);
  if (git_object_type(object.get()) != GIT_OBJECT_TREE) throw GitError(path + " is not a directory in " + remote_url_);
  const auto* directory = reinterpret_cast<const git_tree*>(object.get());
  std::filesystem::create_directories(target);
  for (std::size_t i = 0; i < git_tree_entrycount(directory); ++i) {
    const git_tree_entry* item = git_tree_entry_byindex(directory, i);
    if (git_tree_entry_type(item) != GIT_OBJECT_BLOB) continue;
    const std::string name = git_tree_entry_name(item);
    // The blob straight from the entry (read_file would look the commit and tree up again).
    Owned<git_blob, git_blob_free> blob;
    check(git_blob_lookup(blob.out(), repo_, git_tree_entry_id(item)), "cannot read " + path + "/" + name);
    write_text<GitError>(target / name, std::string_view(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                                                         static_cast<std::size_t>(git_blob_rawsize(blob.get()))));
  }
}

void Mirror::export_tree(const std::string& sha, const std::filesystem::path& work_tree) const {
  git_oid oid;
  check(git_oid_fromstr(&oid, sha.c_str()), "\"" + sha + "\" is not a commit id");
  Owned<git_commit, git_commit_free> commit;
  check(git_commit_lookup(commit.out(), repo_, &oid), "no commit " + sha + " in " + remote_url_);
  std::filesystem::create_directories(work_tree);
  if (!std::filesystem::is_empty(work_tree)) throw GitError("the work tree " + work_tree.string() + " is not empty");
  const std::string target = work_tree.string();
  git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
  options.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
  options.target_directory = target.c_str();
  check(git_checkout_tree(repo_, reinterpret_cast<const git_object*>(commit.get()), &options),
        "cannot write " + sha + " into " + target);
}

}  // namespace calico::builders::git
