// A small fixed pool of threads that splits one scan over several cores:
// ParallelFor runs part 0..n-1, each once, on the pool's threads and on the
// calling thread, and returns when all have run. Calls from several threads
// at once share the pool (each caller works on its own parts too, so a call
// never waits for a free thread to make progress).
#ifndef VAKWIJZER_COMMON_SCAN_POOL_H_
#define VAKWIJZER_COMMON_SCAN_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace vakwijzer {

class ScanPool {
 public:
  // `threads` in all, the caller's included: threads - 1 are started.
  explicit ScanPool(int threads);
  ScanPool(const ScanPool&) = delete;
  ScanPool& operator=(const ScanPool&) = delete;
  ~ScanPool();

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(i) for every i < n, in any order and on any of the threads;
  // returns once all have returned. `fn` must be safe to call concurrently
  // for different i.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn) const;

 private:
  struct Batch;
  void Work();
  // Runs parts of `batch` until none is left to start.
  static void Help(Batch& batch);

  mutable absl::Mutex mu_;
  mutable std::deque<std::shared_ptr<Batch>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace vakwijzer

#endif  // VAKWIJZER_COMMON_SCAN_POOL_H_
