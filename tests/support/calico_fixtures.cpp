#include "tests/support/calico_fixtures.hpp"

#include "tests/support/fixtures.hpp"
#include "tests/support/git_fixture.hpp"

namespace calico::testkit {

namespace {

// A package: one script installed to /usr/bin, packaged for Debian and RPM.
void add_package(GitFixture& repo, const std::string& source, const std::string& binary, const std::string& arch,
                 const std::string& summary, const std::string& packaged_version = "0.0.0-1") {
  repo.commit("bin/" + binary, "#!/bin/sh\necho \"" + binary + " (calico-release-bot test fixture)\"\n",
              "Add " + binary);
  repo.commit("debian/control",
              "Source: " + source +
                  "\nSection: net\nPriority: optional\n"
                  "Maintainer: Project Calico Maintainers <maintainers@projectcalico.org>\n"
                  "Build-Depends: debhelper-compat (= 12)\nStandards-Version: 4.1.3\n\n"
                  "Package: " + binary + "\nArchitecture: " + arch +
                  "\nDepends: ${misc:Depends}\nDescription: " + summary +
                  "\n A tiny stand-in used by calico-release-bot's tests.\n",
              "Debian packaging");
  repo.commit("debian/rules", "#!/usr/bin/make -f\n%:\n\tdh $@\n", "debian/rules");
  repo.commit("debian/source/format", "3.0 (quilt)\n", "Source format");
  repo.commit("debian/" + binary + ".install", "bin/" + binary + " usr/bin\n", "Install the script");
  repo.commit("debian/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
                                  "Upstream-Name: " + source + "\n\nFiles: *\nCopyright: Project Calico test fixture\n"
                                  "License: Apache-2.0\n",
              "Copyright");
  repo.commit("debian/changelog", source + " (" + packaged_version + ") unstable; urgency=medium\n\n  * Packaged upstream version; the revision is regenerated per series.\n\n"
                                  " -- Project Calico Maintainers <maintainers@projectcalico.org>  Tue, 01 Dec 2020 00:00:00 +0000\n",
              "Placeholder changelog");
  repo.commit("rpm/" + source + ".spec.in",
              "Name:           " + source + "\nVersion:        @VERSION@\nRelease:        @RELEASE@%{?dist}\n"
              "Summary:        " + summary + "\nLicense:        ASL 2.0\nSource0:        %{name}-%{version}.tar.gz\n" +
                  (arch == "all" ? "BuildArch:      noarch\n" : "") +
                  "\n%description\nA tiny stand-in used by calico-release-bot's tests.\n\n"
                  "%prep\n%setup -q\n\n%install\ninstall -D -m 0755 bin/" + binary + " %{buildroot}%{_bindir}/" + binary +
                  "\n\n%files\n%{_bindir}/" + binary + "\n\n%changelog\n@CHANGELOG@\n",
              "RPM spec template");
}

}  // namespace

CalicoFixtures make_calico_fixtures(const std::filesystem::path& root, bool release_tags) {
  CalicoFixtures fixtures;
  fixtures.root = root;
  for (const auto& [name, binary, arch] : {std::tuple{"felix", "calico-felix", "any"},
                                           std::tuple{"networking-calico", "calico-dhcp-agent", "all"}}) {
    GitFixture repo(root / name);
    add_package(repo, name, binary, arch, std::string("Project Calico ") + name);
    repo.commit("VERSION", "3.4.0\n", "Release v3.4.0");
    if (release_tags) repo.tag("v3.4.0");
    fixtures.commits[std::string(name) + "@v3.4.0"] = repo.head();
    repo.commit("VERSION", "3.4.1\n", "Release v3.4.1");
    if (release_tags) repo.tag("v3.4.1");
    fixtures.commits[std::string(name) + "@v3.4.1"] = repo.head();
    repo.commit("CHANGES", "Work towards 3.5\n", "Start 3.5 development");
    repo.commit("CHANGES", "Work towards 3.5, more\n", "More 3.5 development");
    fixtures.commits[std::string(name) + "@master"] = repo.head();
    fixtures.repos[name] = repo.path();
  }
  {
    GitFixture repo(root / "dnsmasq");
    add_package(repo, "dnsmasq", "dnsmasq-calico", "any", "dnsmasq with Calico's patches", "2.79test1calico1-1");
    // The fork's platform tags differ in packaging only, so every series shares one orig tarball.
    for (const char* tag : {"2.79test1calico1-3-trusty", "2.79test1calico1-2-xenial", "rpm_2.79"}) {
      repo.commit("debian/PLATFORM", std::string(tag) + "\n", std::string("Build for ") + tag);
      repo.tag(tag);
      fixtures.commits[std::string("dnsmasq@") + tag] = repo.head();
    }
    fixtures.repos["dnsmasq"] = repo.path();
  }
  for (const auto& [name, tag, version] : {std::tuple{"etcd3gw", "0.2.4", "0.2.4-1"},
                                            std::tuple{"nettle", "nettle_3.3_release_20161001", "3.3-1"}}) {
    GitFixture repo(root / name);
    add_package(repo, name, std::string(name) + "-tool", "any", std::string(name) + " (test fixture)", version);
    repo.tag(tag);
    fixtures.commits[std::string(name) + "@" + tag] = repo.head();
    fixtures.repos[name] = repo.path();
  }
  return fixtures;
}

FixtureCheckout export_fixture(const CalicoFixtures& fixtures, const std::string& repo, const std::string& checkout,
                               const std::filesystem::path& tree, unsigned epoch) {
  builders::git::Mirror mirror(fixtures.root / ".mirrors", fixtures.repos.at(repo).string());
  mirror.fetch();
  FixtureCheckout out;
  out.sha = mirror.resolve(checkout);
  out.facts = mirror.facts(out.sha);
  mirror.export_tree(out.sha, tree);
  out.version = out.facts.tag_at ? builders::release_version(*out.facts.tag_at, epoch)
                                 : builders::snapshot_version(out.facts.base_tag, out.facts.commit_count,
                                                              out.facts.committed_at, out.sha, epoch);
  return out;
}

builders::deb::SourceArtifacts tiny_source_package(const std::filesystem::path& job_dir, const std::string& source,
                                                   const std::string& series) {
  const auto tree = job_dir / "tree";
  write_file(tree / "debian" / "control", "Source: " + source + "\nMaintainer: A <a@example.org>\n\nPackage: " + source +
                                              "\nArchitecture: all\nDescription: x\n x\n");
  write_file(tree / "debian" / "rules", "#!/usr/bin/make -f\n%:\n\tdh $@\n");
  write_file(tree / "debian" / "source" / "format", "3.0 (quilt)\n");
  write_file(tree / "README", "hello\n");
  builders::exec::LocalExecutor local;
  builders::exec::CancelToken cancel;
  return builders::deb::build_source_package(
      {tree, job_dir, series, builders::release_version(*builders::parse_release_tag("v1.2.3"), 0), "Release",
       "A <a@example.org>", std::chrono::sys_seconds(std::chrono::seconds(1606780800))},
      local, job_dir / "job.log", cancel);
}

std::string fixture_repositories_toml(const CalicoFixtures& fixtures) {
  std::string text;
  for (const auto& [name, path] : fixtures.repos) {
    text += "[[repositories]]\nname = \"" + name + "\"\ngithub = \"projectcalico/" + name + "\"\nurl = \"" + path.string() +
            "\"\n" + (name == "felix" || name == "networking-calico" ? "" : "release_tags = false\n");
  }
  return text;
}

}  // namespace calico::testkit
