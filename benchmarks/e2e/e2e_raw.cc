// The raw peers of the end-to-end benchmark (benchmarks/e2e/run_e2e.py):
//
//   e2e_raw puts --db=DIR [--threads=16] [--seconds=5] [--value_bytes=1500]
//     synced RocksDB writes: each of --threads threads writes one WriteBatch
//     of two puts (an assessment-sized and a profile-sized value) with
//     WriteOptions::sync, as often as it can for --seconds. Prints one JSON
//     line: writes per second, p50 and p99 in ms.
//
//   e2e_raw scan --levels=FILE --spec=FILE [--reps=20]
//     the floor of a mentor Match: one thread computes the mentor score
//     (plugins/mentor/mentor_matcher.cc, Score()) of every person from
//     their levels as bytes and keeps the top 10. FILE rows: track index,
//     eligible (mentoring capacity > 0 and not the mentee), then one byte
//     per indicator ordinal (255 = never rated). Prints one JSON line: p50
//     and min in ms, and the top 10 as [row, score].
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> Flags(int argc, char** argv) {
  std::map<std::string, std::string> out;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) continue;
    size_t eq = a.find('=');
    if (eq == std::string::npos) {
      out[a.substr(2)] = "1";
    } else {
      out[a.substr(2, eq - 2)] = a.substr(eq + 1);
    }
  }
  return out;
}

std::string Get(const std::map<std::string, std::string>& f,
                const std::string& k, const std::string& def) {
  auto it = f.find(k);
  return it == f.end() ? def : it->second;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int Puts(const std::map<std::string, std::string>& f) {
  const std::string dir = Get(f, "db", "");
  const int threads = std::stoi(Get(f, "threads", "16"));
  const double seconds = std::stod(Get(f, "seconds", "5"));
  const size_t value_bytes = std::stoul(Get(f, "value_bytes", "1500"));
  if (dir.empty()) {
    std::cerr << "puts: --db=DIR is required\n";
    return 2;
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    std::cerr << "puts: " << s.ToString() << "\n";
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(threads);
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::string small(value_bytes / 3, 'a' + t % 26);
      std::string big(value_bytes, 'A' + t % 26);
      rocksdb::WriteOptions wo;
      wo.sync = true;
      for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        char key[64];
        std::snprintf(key, sizeof key, "o/bench/p/t%02d-%08llu!", t,
                      static_cast<unsigned long long>(i % 1000));
        rocksdb::WriteBatch batch;
        batch.Put(key, big);
        std::string akey = std::string(key) + "a/" + std::to_string(i);
        batch.Put(akey, small);
        auto t0 = Clock::now();
        rocksdb::Status st = db->Write(wo, &batch);
        auto t1 = Clock::now();
        if (!st.ok()) {
          std::cerr << "puts: " << st.ToString() << "\n";
          std::exit(1);
        }
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::printf(
      "{\"writes\": %zu, \"seconds\": %.3f, \"per_s\": %.1f, \"p50_ms\": "
      "%.4f, \"p99_ms\": %.4f, \"threads\": %d}\n",
      all.size(), elapsed, all.size() / elapsed, Percentile(all, 0.5),
      Percentile(all, 0.99), threads);
  return 0;
}

// Spec (text): "rows stride" / "threshold max_level bonus" / "tracks units" /
// the gaps of the units / then per track, per unit: "k o1 .. ok".
int Scan(const std::map<std::string, std::string>& f) {
  std::ifstream spec(Get(f, "spec", ""));
  size_t rows, stride;
  double threshold, max_level, bonus;
  int tracks, units;
  if (!(spec >> rows >> stride >> threshold >> max_level >> bonus >> tracks >>
        units)) {
    std::cerr << "scan: bad --spec\n";
    return 2;
  }
  std::vector<double> gaps(units);
  for (double& g : gaps) spec >> g;
  std::vector<std::vector<int>> ordinals(tracks), start(tracks);
  for (int t = 0; t < tracks; ++t) {
    start[t].push_back(0);
    for (int u = 0; u < units; ++u) {
      int k;
      spec >> k;
      for (int j = 0; j < k; ++j) {
        int o;
        spec >> o;
        ordinals[t].push_back(o + 2);  // past the track and eligible bytes
      }
      start[t].push_back(static_cast<int>(ordinals[t].size()));
    }
  }
  std::ifstream in(Get(f, "levels", ""), std::ios::binary);
  std::vector<uint8_t> bytes(rows * stride);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), bytes.size())) {
    std::cerr << "scan: short --levels file\n";
    return 2;
  }
  const int reps = std::stoi(Get(f, "reps", "20"));
  const double factor_top = 1 + bonus;
  std::vector<double> times;
  std::vector<std::pair<double, size_t>> top;
  for (int rep = 0; rep < reps; ++rep) {
    auto t0 = Clock::now();
    std::vector<std::pair<double, size_t>> cand;
    cand.reserve(rows / 2);
    for (size_t r = 0; r < rows; ++r) {
      const uint8_t* row = bytes.data() + r * stride;
      if (!row[1] || row[0] >= tracks) continue;
      const int* ord = ordinals[row[0]].data();
      const int* st = start[row[0]].data();
      double score = 0;
      for (int u = 0; u < units; ++u) {
        double sum = 0;
        int known = 0;
        for (int k = st[u]; k < st[u + 1]; ++k) {
          uint8_t l = row[ord[k]];
          bool is_known = l != 255;
          sum += is_known ? l : 0;
          known += is_known;
        }
        double level = sum / (known > 0 ? known : 1);
        bool covers = known > 0 && level >= threshold;
        double fac = level >= max_level ? factor_top : 1.0;
        score += covers ? gaps[u] * fac : 0.0;
      }
      if (score > 0) cand.emplace_back(score, r);
    }
    size_t k = std::min<size_t>(10, cand.size());
    std::partial_sort(cand.begin(), cand.begin() + k, cand.end(),
                      [](const auto& a, const auto& b) {
                        return a.first != b.first ? a.first > b.first
                                                  : a.second < b.second;
                      });
    cand.resize(k);
    auto t1 = Clock::now();
    times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    top = cand;
  }
  std::ostringstream o;
  o.precision(17);
  o << "{\"p50_ms\": " << Percentile(times, 0.5)
    << ", \"min_ms\": " << *std::min_element(times.begin(), times.end())
    << ", \"bytes\": " << bytes.size() << ", \"top\": [";
  for (size_t i = 0; i < top.size(); ++i) {
    o << (i ? ", " : "") << "[" << top[i].second << ", " << top[i].first << "]";
  }
  o << "]}";
  std::cout << o.str() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: e2e_raw puts|scan --flag=value...\n";
    return 2;
  }
  std::string mode = argv[1];
  auto f = Flags(argc, argv);
  if (mode == "puts") return Puts(f);
  if (mode == "scan") return Scan(f);
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
