// The real vakwijzerd as a child process, and the real command-line client,
// for end-to-end tests. The test target defines VAKWIJZERD_BIN and
// VAKWIJZER_CLI_BIN.
#ifndef VAKWIJZER_TESTS_TEST_UTIL_SERVER_PROCESS_H_
#define VAKWIJZER_TESTS_TEST_UTIL_SERVER_PROCESS_H_

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace vakwijzer::testing {

struct Server {
  pid_t pid = -1;
  int out = -1;  // read end of the server's stdout and stderr
  int port = 0;  // 0 when it did not start
  std::string log;
};

// Reads the server's output until `marker` has appeared or 60 s passed;
// false on timeout or end of output.
inline bool ReadUntil(Server& s, const std::string& marker) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!absl::StrContains(s.log, marker)) {
    int left =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count());
    if (left <= 0) return false;
    pollfd p{s.out, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return false;
    char buf[4096];
    ssize_t n = read(s.out, buf, sizeof buf);
    if (n <= 0) return false;  // the server exited
    s.log.append(buf, n);
  }
  return true;
}

// Starts vakwijzerd on a free loopback port with `args` (e.g. --data_dir)
// and waits until it listens.
inline Server StartServer(const std::vector<std::string>& args) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  Server s;
  s.pid = fork();
  if (s.pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<std::string> all = {VAKWIJZERD_BIN, "--listen=127.0.0.1:0"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(VAKWIJZERD_BIN, argv.data());
    _exit(127);
  }
  close(fds[1]);
  s.out = fds[0];
  if (ReadUntil(s, "listening on 127.0.0.1:")) {
    size_t at = s.log.find("listening on 127.0.0.1:") + 23;
    size_t end = s.log.find('\n', at);
    EXPECT_TRUE(absl::SimpleAtoi(s.log.substr(at, end - at), &s.port)) << s.log;
  }
  return s;
}

// Sends `signal` and returns the exit status (or -signal when killed).
inline int Stop(Server& s, int signal = SIGTERM) {
  kill(s.pid, signal);
  int status = 0;
  waitpid(s.pid, &status, 0);
  ReadUntil(s, "\x01");  // drain what is left until EOF
  close(s.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr
};

// Runs the client against `s` with `args` (a shell command line).
inline Result Cli(const Server& s, const std::string& args) {
  std::string cmd = absl::StrCat(
      VAKWIJZER_CLI_BIN, " --server=127.0.0.1:", s.port, " ", args, " 2>&1");
  FILE* pipe = popen(cmd.c_str(), "r");
  Result r{-1, ""};
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace vakwijzer::testing

#endif  // VAKWIJZER_TESTS_TEST_UTIL_SERVER_PROCESS_H_
