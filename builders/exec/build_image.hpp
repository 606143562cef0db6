// A platform's build image for the docker executor: `docker build` of its Dockerfile FROM the
// configured base, skipped when the image under that tag was built from the same recipe (the
// Dockerfile's content and the base), which a label on the image records.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "builders/exec/process.hpp"

namespace calico::builders::exec {

inline constexpr const char* kImageRecipeLabel = "org.projectcalico.release-bot.recipe";

struct ImageRecipe {
  std::string docker = "docker";      // the client binary
  std::filesystem::path dockerfile;   // its directory is the build context
  std::string tag;                    // "calico-build/xenial"
  std::string base;                   // --build-arg BASE=…; empty: the Dockerfile's default
  std::chrono::seconds timeout{3600};
};

class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// sha256 of the Dockerfile's content and the base: what the label must say for a rebuild to be
// skipped. (A new image published under the same base tag is not noticed: pin a digest in
// docker_base to follow one exactly.)
std::string image_recipe_key(const std::string& dockerfile_text, const std::string& base);

// Builds the image unless it is up to date; returns "built" or "up to date". Throws ImageError
// naming the Dockerfile and what failed (see the log for docker's own output).
std::string ensure_image(const ImageRecipe& recipe, const std::filesystem::path& log_file, const CancelToken& cancel);

}  // namespace calico::builders::exec
