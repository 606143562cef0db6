#include "tests/support/calico_fixtures.hpp"

#include "builders/deb/source_package.hpp"
#include "builders/exec/process.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/git_fixture.hpp"

namespace calico::testkit {

namespace {

const std::string kMaintainer = "Project Calico Maintainers <maintainers@projectcalico.org>";

std::string control(const std::string& source, const std::string& binary, const std::string& arch, const std::string& summary) {
  return "Source: " + source + "\nSection: net\nPriority: optional\nMaintainer: " + kMaintainer +
         "\nBuild-Depends: debhelper-compat (= 12)\nStandards-Version: 4.1.3\n\nPackage: " + binary +
         "\nArchitecture: " + arch + "\nDepends: ${misc:Depends}\nDescription: " + summary +
         "\n A tiny stand-in used by calico-release-bot's tests.\n";
}

void add_debian(GitFixture& repo, const std::string& source, const std::string& binary, const std::string& arch,
                const std::string& summary, const std::string& format) {
  repo.commit("debian/control", control(source, binary, arch, summary), "Debian packaging");
  // No build system: the fixtures install ready files (networking-calico's setup.py would
  // otherwise make dh reach for Python).
  repo.commit("debian/rules", "#!/usr/bin/make -f\n%:\n\tdh $@ --buildsystem=none\n", "debian/rules");
  repo.commit("debian/source/format", format + "\n", "Source format");
  repo.commit("debian/" + binary + ".install", "bin/" + binary + " usr/bin\n", "Install the program");
  repo.commit("debian/copyright",
              "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: " + source +
                  "\n\nFiles: *\nCopyright: Project Calico test fixture\nLicense: Apache-2.0\n",
              "Copyright");
}

// A spec as upstream keeps them: Version:/Release: to fill (template) or filled (finished).
std::string spec(const std::string& name, const std::string& binary, const std::string& arch, const std::string& version,
                 const std::string& release, const std::string& epoch_line) {
  return "Name:           " + name + "\n" + epoch_line + "Version:        " + version + "\nRelease:        " + release +
         "\nSummary:        Project Calico " + name + " (test fixture)\nLicense:        ASL 2.0\n"
         "Source0:        " + name + "-%{version}.tar.gz\nSource1:        " + binary + ".service\n" +
         (arch == "all" ? "BuildArch:      noarch\n" : "") +
         "\n%description\nA tiny stand-in used by calico-release-bot's tests.\n\n"
         "%prep\n%setup -q\n\n%install\ninstall -D -m 0755 bin/" + binary + " %{buildroot}%{_bindir}/" + binary +
         "\ninstall -D -m 0644 %{SOURCE1} %{buildroot}%{_unitdir}/" + binary + ".service\n\n%files\n%{_bindir}/" + binary +
         "\n%{_unitdir}/" + binary + ".service\n\n%changelog\n* Tue Dec 01 2020 " + kMaintainer + " 0.0.1-1\n  - First.\n";
}

void add_service(GitFixture& repo, const std::string& binary) {
  repo.commit("rpm/" + binary + ".service", "[Unit]\nDescription=" + binary + "\n[Service]\nExecStart=/usr/bin/" + binary + "\n",
              "systemd unit for RPMs");
}

}  // namespace

CalicoFixtures make_calico_fixtures(const std::filesystem::path& root, bool release_tags) {
  CalicoFixtures fixtures;
  fixtures.root = root;
  {
    // Felix: the binary is made by `make bin/calico-felix` (and BPF objects by build-bpf) before
    // packaging, as upstream's Makefile does; the source package ships them.
    GitFixture repo(root / "felix");
    repo.commit("cmd/calico-felix.sh", "#!/bin/sh\necho \"calico-felix (calico-release-bot test fixture)\"\n", "Felix");
    repo.commit("Makefile",
                "bin/calico-felix: bin/calico-felix-amd64\n\tcp bin/calico-felix-amd64 bin/calico-felix\n"
                "bin/calico-felix-amd64:\n\tmkdir -p bin\n\tinstall -m 0755 cmd/calico-felix.sh bin/calico-felix-amd64\n"
                ".PHONY: build-bpf\nbuild-bpf:\n\tmkdir -p bpf-gpl/bin\n\tprintf 'bpf\\n' > bpf-gpl/bin/to_hep.o\n"
                "\tprintf 'test\\n' > bpf-gpl/bin/test_xdp.o\n",
                "Makefile");
    repo.commit(".gitignore", "bin/\n", "Ignore build output");
    add_debian(repo, "felix", "calico-felix", "any", "Project Calico felix", "3.0 (native)");
    repo.commit("debian/calico-felix.install", "bin/calico-felix usr/bin\nbpf-gpl/bin/*.o usr/lib/calico/bpf\n", "Install BPF too");
    add_service(repo, "calico-felix");
    repo.commit("rpm/felix.spec.in", spec("felix", "calico-felix", "any", "-- filled in when building packages --",
                                          "-- filled in when building packages --", ""),
                "RPM spec template");
  }
  {
    GitFixture repo(root / "networking-calico");
    repo.commit("bin/calico-dhcp-agent", "#!/bin/sh\necho \"calico-dhcp-agent (calico-release-bot test fixture)\"\n", "Agent");
    repo.commit("setup.py", "import setuptools\nsetuptools.setup(\n    name=\"networking-calico\",\n    version=\"0.0.0\",\n)\n",
                "setup.py");
    add_debian(repo, "networking-calico", "calico-dhcp-agent", "all", "Project Calico networking-calico", "3.0 (native)");
    add_service(repo, "calico-dhcp-agent");
    repo.commit("rpm/networking-calico.spec.in", spec("networking-calico", "calico-dhcp-agent", "all", "", "", "Epoch:          1\n"),
                "RPM spec template");
  }
  for (const char* name : {"felix", "networking-calico"}) {
    GitFixture repo(root / name);
    repo.tag("v3.4.0-0.dev");
    repo.commit("VERSION", "3.4.0\n", "Release v3.4.0");
    if (release_tags) repo.tag("v3.4.0");
    fixtures.commits[std::string(name) + "@v3.4.0"] = repo.head();
    repo.commit("VERSION", "3.4.1\n", "Release v3.4.1");
    if (release_tags) repo.tag("v3.4.1");
    fixtures.commits[std::string(name) + "@v3.4.1"] = repo.head();
    repo.commit("CHANGES", "Work towards 3.5\n", "Open 3.5 development");
    repo.tag("v3.5.0-0.dev");
    repo.commit("CHANGES", "Work towards 3.5, more\n", "More 3.5 development");
    repo.commit("CHANGES", "Work towards 3.5, still more\n", "Still more 3.5 development");
    fixtures.commits[std::string(name) + "@master"] = repo.head();
    fixtures.repos[name] = repo.path();
  }
  {
    // The dnsmasq fork: a tag per platform, each with its own changelog (xenial's still says
    // trusty), and rpm_2.79 with a finished spec.
    GitFixture repo(root / "dnsmasq");
    repo.commit("bin/dnsmasq-calico", "#!/bin/sh\necho \"dnsmasq-calico (calico-release-bot test fixture)\"\n", "dnsmasq");
    add_debian(repo, "dnsmasq", "dnsmasq-calico", "any", "dnsmasq with Calico's patches", "1.0");
    for (const auto& [tag, version] : {std::pair{"2.79test1calico1-3-trusty", "2.79test1calico1-3~trusty"},
                                       std::pair{"2.79test1calico1-2-xenial", "2.79test1calico1-2~trusty"}}) {
      repo.commit("debian/changelog",
                  std::string("dnsmasq (") + version + ") trusty; urgency=medium\n\n  * Built for " + tag +
                      ".\n\n -- " + kMaintainer + "  Tue, 01 Dec 2020 00:00:00 +0000\n\n"
                      "dnsmasq (2.79test1calico1-1~trusty) trusty; urgency=medium\n\n  * Older.\n\n -- " + kMaintainer +
                      "  Mon, 30 Nov 2020 00:00:00 +0000\n",
                  std::string("Build for ") + tag);
      repo.tag(tag);
      fixtures.commits[std::string("dnsmasq@") + tag] = repo.head();
    }
    add_service(repo, "dnsmasq-calico");
    repo.commit("rpm/dnsmasq.spec", spec("dnsmasq", "dnsmasq-calico", "any", "2.79_calico1", "2%{?dist}.2", ""), "Finished spec");
    repo.tag("rpm_2.79");
    fixtures.commits["dnsmasq@rpm_2.79"] = repo.head();
    fixtures.repos["dnsmasq"] = repo.path();
  }
  {
    // etcd3gw's source at a pinned ref; its spec lives in the packaging repository, with a Name:
    // made of macros as the real one.
    GitFixture repo(root / "etcd3gw");
    repo.commit("bin/etcd3gw-tool", "#!/bin/sh\necho etcd3gw\n", "etcd3gw");
    repo.tag("0.2.4");
    fixtures.commits["etcd3gw@0.2.4"] = repo.head();
    fixtures.repos["etcd3gw"] = repo.path();
    GitFixture packaging(root / "packaging");
    packaging.commit("etcd3gw/rpm/etcd3gw-tool.service", "[Unit]\nDescription=etcd3gw-tool\n", "etcd3gw service");
    std::string etcd3gw_spec = spec("etcd3gw", "etcd3gw-tool", "all", "0.2.4", "1%{?dist}", "");
    etcd3gw_spec.replace(0, etcd3gw_spec.find('\n'), "%global pypi_name etcd3gw\nName:           python-%{pypi_name}");
    const std::string source0 = "Source0:        etcd3gw-%{version}.tar.gz";
    etcd3gw_spec.replace(etcd3gw_spec.find("Source0:"), etcd3gw_spec.find('\n', etcd3gw_spec.find("Source0:")) - etcd3gw_spec.find("Source0:"), source0);
    etcd3gw_spec.replace(etcd3gw_spec.find("%setup -q"), std::string("%setup -q").size(), "%setup -q -n etcd3gw-%{version}");
    packaging.commit("etcd3gw/rpm/python-etcd3gw.spec", etcd3gw_spec, "etcd3gw spec");
    fixtures.repos["packaging"] = packaging.path();
  }
  {
    // nettle: a 3.0 (quilt) source package, as Ubuntu's nettle_3.3-1.
    const std::filesystem::path dir = root / "nettle-dsc";
    const std::filesystem::path tree = dir / "nettle-3.3";
    write_file(tree / "README", "nettle 3.3 (calico-release-bot test fixture)\n");
    write_file(tree / "bin" / "nettle-tool", "#!/bin/sh\necho nettle\n");
    builders::exec::CancelToken cancel;
    builders::exec::run_process({{"tar", "--create", "--gzip", "--file", (dir / "nettle_3.3.orig.tar.gz").string(),
                                  "--directory", dir.string(), "nettle-3.3"}},
                                dir / "make.log", cancel);
    write_file(tree / "debian" / "control", control("nettle", "nettle-tool", "any", "nettle (test fixture)"));
    write_file(tree / "debian" / "rules", "#!/usr/bin/make -f\n%:\n\tdh $@\n");
    write_file(tree / "debian" / "source" / "format", "3.0 (quilt)\n");
    write_file(tree / "debian" / "nettle-tool.install", "bin/nettle-tool usr/bin\n");
    write_file(tree / "debian" / "changelog", "nettle (3.3-1) unstable; urgency=medium\n\n  * New upstream release.\n\n -- " +
                                                  kMaintainer + "  Sat, 01 Oct 2016 00:00:00 +0000\n\n"
                                                  "nettle (3.2-1) unstable; urgency=medium\n\n  * Older.\n\n -- " +
                                                  kMaintainer + "  Fri, 01 Jan 2016 00:00:00 +0000\n");
    builders::exec::run_process({{"dpkg-source", "--build", "nettle-3.3"}, dir}, dir / "make.log", cancel);
    std::filesystem::remove_all(tree);
    fixtures.nettle_dsc = dir / "nettle_3.3-1.dsc";
  }
  return fixtures;
}

FixtureCheckout export_fixture(const CalicoFixtures& fixtures, const std::string& repo, const std::string& checkout,
                               const std::filesystem::path& tree, const std::string& version, unsigned epoch) {
  builders::git::Mirror mirror(fixtures.root / ".mirrors", fixtures.repos.at(repo).string());
  mirror.fetch();
  FixtureCheckout out;
  out.sha = mirror.resolve(checkout);
  out.facts = mirror.facts(out.sha);
  mirror.export_tree(out.sha, tree);
  out.version = builders::package_version(builders::auto_version(version, out.facts.version_facts()), epoch);
  return out;
}

builders::deb::SourceArtifacts tiny_source_package(const std::filesystem::path& job_dir, const std::string& source,
                                                   const std::string& series) {
  const auto tree = job_dir / source;
  write_file(tree / "debian" / "control", "Source: " + source + "\nMaintainer: A <a@example.org>\n\nPackage: " + source +
                                              "\nArchitecture: all\nDescription: x\n x\n");
  write_file(tree / "debian" / "rules", "#!/usr/bin/make -f\n%:\n\tdh $@\n");
  write_file(tree / "debian" / "source" / "format", "3.0 (native)\n");
  write_file(tree / "debian" / "changelog", source + " (1.2.3-" + series + ") " + series +
                                                "; urgency=low\n\n  * Release.\n\n -- A <a@example.org>  Tue, 01 Dec 2020 00:00:00 +0000\n");
  write_file(tree / "README", "hello\n");
  builders::deb::write_native_revision_shim(job_dir / "tools");
  builders::exec::LocalExecutor local;
  builders::exec::CancelToken cancel;
  return builders::deb::build_source_package(
      {tree, series, {}, job_dir / "tools", std::chrono::sys_seconds(std::chrono::seconds(1606780800))}, *local.open({"fixture", series}),
      job_dir / "job.log", cancel);
}

std::string fixture_repositories_toml(const CalicoFixtures& fixtures) {
  std::string text;
  for (const auto& [name, path] : fixtures.repos) {
    text += "[[repositories]]\nname = \"" + name + "\"\ngithub = \"projectcalico/" + name + "\"\nurl = \"" + path.string() +
            "\"\n" + (name == "felix" || name == "networking-calico" ? "" : "release_tags = false\n");
  }
  text += "[publish.components.etcd3gw]\nrefs = { centos7 = \"0.2.4\" }\nspec_source = \"packaging\"\n";
  text += "[publish.components.nettle]\nrefs = { xenial = \"" + fixtures.nettle_dsc.string() + "\" }\n";
  return text;
}

std::string host_image_platforms_toml() {
  // The default platforms as the other tests give them, centos7 (the table last) also not checking
  // BuildRequires.
  return std::string(kDefaultPlatformsBuiltOnHost) + "rpm_check_build_deps = false\n";
}

}  // namespace calico::testkit
