// Runs a shell command line in a test and collects its output, for tests
// that drive the command-line client (and helpers such as openssl or
// python3) as separate processes.
#ifndef VAKWIJZER_TESTS_CLIENTS_CLI_RUN_COMMAND_H_
#define VAKWIJZER_TESTS_CLIENTS_CLI_RUN_COMMAND_H_

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace vakwijzer::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string output;  // stdout, and stderr unless redirected elsewhere
};

// Runs `command` with /bin/sh, stderr merged into stdout unless
// `merge_stderr` is false (then stderr goes to the test's stderr).
inline CommandResult RunCommand(const std::string& command,
                                bool merge_stderr = true) {
  const std::string line = merge_stderr ? command + " 2>&1" : command;
  CommandResult r;
  FILE* pipe = popen(line.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// `text` as one single-quoted shell word.
inline std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

inline void WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace vakwijzer::testing

#endif  // VAKWIJZER_TESTS_CLIENTS_CLI_RUN_COMMAND_H_
