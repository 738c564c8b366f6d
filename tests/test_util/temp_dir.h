// A fresh directory per test, removed afterwards.
#ifndef VAKWIJZER_TESTS_TEST_UTIL_TEMP_DIR_H_
#define VAKWIJZER_TESTS_TEST_UTIL_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace vakwijzer::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr ? base : "/tmp") + "/vakwijzer-XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace vakwijzer::testing

#endif  // VAKWIJZER_TESTS_TEST_UTIL_TEMP_DIR_H_
