#include "builders/exec/build_image.hpp"

#include "builders/files.hpp"
#include "builders/sign/changes.hpp"
#include "builders/text.hpp"

namespace calico::builders::exec {

std::string image_recipe_key(const std::string& dockerfile_text, const std::string& base) {
  return sign::sha256_hex(dockerfile_text + std::string(1, '\0') + base);
}

std::string ensure_image(const ImageRecipe& recipe, const std::filesystem::path& log_file, const CancelToken& cancel) {
  const std::string key = image_recipe_key(read_text<ImageError>(recipe.dockerfile), recipe.base);

  std::string labelled;
  const ProcessResult inspected = capture_process(
      {{recipe.docker, "image", "inspect", "--format", std::string("{{index .Config.Labels \"") + kImageRecipeLabel + "\"}}",
        recipe.tag},
       {}, {}, std::chrono::seconds(60)},
      log_file, cancel, labelled);
  while (!labelled.empty() && (labelled.back() == '\n' || labelled.back() == '\r')) labelled.pop_back();
  // A missing image fails the inspection ("No such image"): then it is built.
  if (inspected.ok() && labelled == key) return "up to date";
  if (inspected.failed_to_start) throw ImageError("cannot run " + recipe.docker + ": " + inspected.start_error);

  // --force-rm: the legacy builder keeps the container of a failed step otherwise (an exited
  // `/bin/sh -c false` left behind by every failed build).
  ProcessSpec build{{recipe.docker, "build", "--force-rm", "--tag", recipe.tag, "--label", std::string(kImageRecipeLabel) + "=" + key,
                 "--file", recipe.dockerfile.string()},
                {}, {}, recipe.timeout};
  if (!recipe.base.empty()) {
    build.argv.push_back("--build-arg");
    build.argv.push_back("BASE=" + recipe.base);
  }
  build.argv.push_back(recipe.dockerfile.parent_path().string());
  const ProcessResult built = run_process(build, log_file, cancel);
  if (!built.ok()) {
    throw ImageError("docker build of " + recipe.dockerfile.filename().string() + (recipe.base.empty() ? "" : " FROM " + recipe.base) +
                     " failed (" + built.describe() + "); see " + log_file.string());
  }
  return "built";
}

}  // namespace calico::builders::exec
