// A progress bar on stderr for long imports and exports.
#ifndef VAKWIJZER_CLIENTS_CLI_PROGRESS_H_
#define VAKWIJZER_CLIENTS_CLI_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace vakwijzer::cli {

// "[#####.....] 123/456 people 27%": a bar of `width` characters, filled
// in proportion (rounded down) to done / total, and the percentage rounded
// down. `done` is clamped to 0..total; a total of 0 or less shows a full
// bar at 100%.
std::string FormatProgressLine(int64_t done, int64_t total,
                               absl::string_view unit, int width);

// Whether to draw a progress bar: stderr is a terminal and output is not
// --json.
bool WantProgress(bool json);

// Redraws FormatProgressLine with '\r' on `out` at most every 100 ms (and
// whenever the count reaches the total), and ends it with a newline. A
// disabled bar writes nothing. Not thread-safe.
class ProgressBar {
 public:
  ProgressBar(int64_t total, std::string unit, bool enabled,
              std::ostream* out = nullptr,
              std::function<absl::Time()> now = absl::Now, int width = 30);
  ~ProgressBar();  // Finish()
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(int64_t done);
  // Blanks the drawn line so that other messages can be printed; the next
  // Update draws it again.
  void Clear();
  // Draws the final count and ends the line; later calls do nothing.
  void Finish();

  int redraws() const { return redraws_; }

 private:
  void Draw();

  const int64_t total_;
  const std::string unit_;
  bool enabled_;
  std::ostream* out_;
  std::function<absl::Time()> now_;
  const int width_;
  int64_t done_ = 0;
  absl::Time last_draw_ = absl::InfinitePast();
  size_t drawn_chars_ = 0;  // length of the line on screen, 0 for none
  bool finished_ = false;
  int redraws_ = 0;
};

}  // namespace vakwijzer::cli

#endif  // VAKWIJZER_CLIENTS_CLI_PROGRESS_H_
