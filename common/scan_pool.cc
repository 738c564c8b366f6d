#include "common/scan_pool.h"

#include <atomic>

namespace vakwijzer {

struct ScanPool::Batch {
  const std::function<void(size_t)>* fn;
  size_t n;
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  size_t done ABSL_GUARDED_BY(mu) = 0;
};

ScanPool::ScanPool(int threads) {
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { Work(); });
}

ScanPool::~ScanPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : workers_) t.join();
}

void ScanPool::Help(Batch& batch) {
  size_t ran = 0;
  for (size_t i; (i = batch.next.fetch_add(1)) < batch.n; ++ran) (*batch.fn)(i);
  if (ran > 0) {
    absl::MutexLock lock(&batch.mu);
    batch.done += ran;
  }
}

void ScanPool::Work() {
  for (;;) {
    std::shared_ptr<Batch> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ScanPool* pool) {
            return pool->stopping_ || !pool->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping
      batch = queue_.front();
      if (batch->next.load() >= batch->n) {  // every part started
        queue_.pop_front();
        continue;
      }
    }
    Help(*batch);
  }
}

void ScanPool::ParallelFor(size_t n,
                           const std::function<void(size_t)>& fn) const {
  if (n == 0) return;
  if (workers_.empty() || n == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto batch = std::make_shared<Batch>();
  batch->fn = &fn;
  batch->n = n;
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(batch);
  }
  Help(*batch);
  {
    // Parts no helper has started are done by now (Help took them all).
    absl::MutexLock lock(&mu_);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (*it == batch) {
        queue_.erase(it);
        break;
      }
    }
  }
  absl::MutexLock lock(&batch->mu);
  batch->mu.Await(absl::Condition(
      +[](Batch* b) { return b->done == b->n; }, batch.get()));
}

}  // namespace vakwijzer
