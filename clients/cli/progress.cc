#include "clients/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace vakwijzer::cli {

std::string FormatProgressLine(int64_t done, int64_t total,
                               absl::string_view unit, int width) {
  width = std::max(width, 0);
  int64_t filled = width;
  int64_t percent = 100;
  if (total > 0) {
    done = std::clamp<int64_t>(done, 0, total);
    filled = done * width / total;
    percent = done * 100 / total;
  } else {
    total = std::max<int64_t>(total, 0);
    done = total;
  }
  return absl::StrCat("[", std::string(filled, '#'),
                      std::string(width - filled, '.'), "] ", done, "/", total,
                      " ", unit, " ", percent, "%");
}

bool WantProgress(bool json) { return !json && isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(int64_t total, std::string unit, bool enabled,
                         std::ostream* out, std::function<absl::Time()> now,
                         int width)
    : total_(total),
      unit_(std::move(unit)),
      enabled_(enabled),
      out_(out != nullptr ? out : &std::cerr),
      now_(std::move(now)),
      width_(width) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t done) {
  done_ = done;
  if (!enabled_ || finished_) return;
  const absl::Time now = now_();
  if (done < total_ && drawn_chars_ > 0 &&
      now - last_draw_ < absl::Milliseconds(100)) {
    return;
  }
  last_draw_ = now;
  Draw();
}

void ProgressBar::Draw() {
  const std::string line = FormatProgressLine(done_, total_, unit_, width_);
  // Pad to overwrite a longer line drawn before.
  *out_ << "\r" << line
        << std::string(
               drawn_chars_ > line.size() ? drawn_chars_ - line.size() : 0, ' ')
        << std::flush;
  drawn_chars_ = std::max(drawn_chars_, line.size());
  ++redraws_;
}

void ProgressBar::Clear() {
  if (!enabled_ || finished_ || drawn_chars_ == 0) return;
  *out_ << "\r" << std::string(drawn_chars_, ' ') << "\r" << std::flush;
  drawn_chars_ = 0;
}

void ProgressBar::Finish() {
  if (!enabled_ || finished_) return;
  Draw();
  *out_ << "\n" << std::flush;
  finished_ = true;
}

}  // namespace vakwijzer::cli
