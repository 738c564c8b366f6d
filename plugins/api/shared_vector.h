// Containers for snapshots that are copied on every write (see
// plugins/api/snapshot.h): copying one shares its elements, and a change
// to the copy copies only what it changes.
#ifndef VAKWIJZER_PLUGINS_API_SHARED_VECTOR_H_
#define VAKWIJZER_PLUGINS_API_SHARED_VECTOR_H_

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace vakwijzer::plugins {

// A vector whose copies share the elements until one of them is changed
// (copy on write). Const access never copies; non-const access copies the
// elements first when another SharedVector still shares them. Like any
// container, not safe for concurrent writes; a published snapshot is only
// read.
template <typename T>
class SharedVector {
 public:
  using value_type = T;
  using const_iterator = typename std::vector<T>::const_iterator;
  using iterator = typename std::vector<T>::iterator;

  SharedVector() = default;
  SharedVector(std::initializer_list<T> items)
      : items_(std::make_shared<std::vector<T>>(items)) {}
  // Implicit, so that a vector can be assigned to a snapshot's part.
  SharedVector(std::vector<T> items)  // NOLINT(runtime/explicit)
      : items_(std::make_shared<std::vector<T>>(std::move(items))) {}

  size_t size() const { return items_ ? items_->size() : 0; }
  bool empty() const { return size() == 0; }
  const T& operator[](size_t i) const { return (*items_)[i]; }
  const T& front() const { return items_->front(); }
  const T& back() const { return items_->back(); }
  const_iterator begin() const { return Items().begin(); }
  const_iterator end() const { return Items().end(); }

  // The elements, unshared first.
  std::vector<T>& Mutable() {
    if (!items_) {
      items_ = std::make_shared<std::vector<T>>();
    } else if (items_.use_count() > 1) {
      items_ = std::make_shared<std::vector<T>>(*items_);
    }
    return *items_;
  }
  T& operator[](size_t i) { return Mutable()[i]; }
  T& front() { return Mutable().front(); }
  T& back() { return Mutable().back(); }
  iterator begin() { return Mutable().begin(); }
  iterator end() { return Mutable().end(); }
  void push_back(T item) { Mutable().push_back(std::move(item)); }

 private:
  const std::vector<T>& Items() const {
    static const std::vector<T>* const kEmpty = new std::vector<T>();
    return items_ ? *items_ : *kEmpty;
  }

  std::shared_ptr<std::vector<T>> items_;
};

// The default per-chunk index of a ChunkedVector: none.
struct NoChunkIndex {
  template <typename Items>
  explicit NoChunkIndex(const Items&) {}
};

// A sequence kept in chunks of about kChunk elements, each shared between
// copies: a copy costs one pointer per chunk, and inserting, replacing or
// erasing one element copies one chunk (O(kChunk + size / kChunk)) instead
// of the whole sequence. Index access is a binary search over the chunks;
// iteration walks them in order.
//
// Each chunk may carry an `Index`, a summary of its elements such as a
// column-major copy of the fields scans read (e.g. PersonColumns in
// snapshot.h). It is built from the chunk's elements (Index(const
// std::vector<T>&)) on the first ChunkIndex() call, once, even when several
// threads ask at the same time, and is shared by every copy that shares the
// chunk; a change to the chunk drops it. So a write costs no index work and
// a scan rebuilds only the chunks written since the last scan.
template <typename T, typename Index = NoChunkIndex>
class ChunkedVector {
  struct Lazy {
    std::once_flag once;
    std::unique_ptr<const Index> index;
  };
  struct Chunk {
    Chunk() = default;
    // A copy has the elements, not the index.
    Chunk(const Chunk& other) : items(other.items) {}
    std::vector<T> items;
    std::unique_ptr<Lazy> lazy = std::make_unique<Lazy>();
  };

 public:
  static constexpr size_t kChunk = 256;
  using value_type = T;

  ChunkedVector() = default;
  ChunkedVector(std::initializer_list<T> items) {
    for (const T& item : items) push_back(item);
  }
  // Implicit, so that a vector can be assigned to a snapshot's part.
  ChunkedVector(std::vector<T> items) {  // NOLINT(runtime/explicit)
    for (T& item : items) push_back(std::move(item));
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const {
    size_t c = ChunkOf(i);
    return chunks_[c]->items[i - starts_[c]];
  }
  const T& front() const { return chunks_.front()->items.front(); }
  const T& back() const { return chunks_.back()->items.back(); }

  // The chunks, for scans that work chunk by chunk: chunk c holds the
  // elements [ChunkStart(c), ChunkStart(c) + ChunkItems(c).size()).
  size_t chunk_count() const { return chunks_.size(); }
  size_t ChunkStart(size_t c) const { return starts_[c]; }
  const std::vector<T>& ChunkItems(size_t c) const { return chunks_[c]->items; }
  // Chunk c's index, built on first use. Thread-safe.
  const Index& ChunkIndex(size_t c) const {
    const Chunk& chunk = *chunks_[c];
    Lazy& lazy = *chunk.lazy;
    std::call_once(lazy.once, [&] {
      lazy.index = std::make_unique<const Index>(chunk.items);
    });
    return *lazy.index;
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    const T& operator*() const { return (*chunks_)[chunk_]->items[pos_]; }
    const T* operator->() const { return &**this; }
    const_iterator& operator++() {
      if (++pos_ == (*chunks_)[chunk_]->items.size()) {
        ++chunk_;
        pos_ = 0;
      }
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const const_iterator& o) const {
      return chunk_ == o.chunk_ && pos_ == o.pos_;
    }
    bool operator!=(const const_iterator& o) const { return !(*this == o); }

   private:
    friend class ChunkedVector;
    using Chunks = std::vector<std::shared_ptr<const Chunk>>;
    const_iterator(const Chunks* chunks, size_t chunk)
        : chunks_(chunks), chunk_(chunk) {}
    const Chunks* chunks_;
    size_t chunk_;
    size_t pos_ = 0;
  };
  const_iterator begin() const { return const_iterator(&chunks_, 0); }
  const_iterator end() const {
    return const_iterator(&chunks_, chunks_.size());
  }

  void push_back(T item) { Insert(size_, std::move(item)); }

  // The first index whose element `less` does not order before `key`
  // (size() when none); the sequence must be sorted by `less`.
  template <typename Key, typename Less>
  size_t LowerBound(const Key& key, Less less) const {
    // The first chunk whose last element is not below the key.
    auto chunk = std::partition_point(
        chunks_.begin(), chunks_.end(),
        [&](const auto& c) { return less(c->items.back(), key); });
    if (chunk == chunks_.end()) return size_;
    size_t c = static_cast<size_t>(chunk - chunks_.begin());
    const std::vector<T>& items = (*chunk)->items;
    auto in = std::partition_point(items.begin(), items.end(),
                                   [&](const T& t) { return less(t, key); });
    return starts_[c] + static_cast<size_t>(in - items.begin());
  }

  // Puts `item` before index `i` (at the end for size()).
  void Insert(size_t i, T item) {
    size_t c = i == size_ ? chunks_.size() : ChunkOf(i);
    if (c == chunks_.size()) {  // appending
      if (c == 0 || chunks_[c - 1]->items.size() >= kChunk) {
        chunks_.push_back(std::make_shared<Chunk>());
        starts_.push_back(size_);
      } else {
        --c;
      }
    }
    std::vector<T>& chunk = MutableChunk(c);
    chunk.insert(chunk.begin() + static_cast<std::ptrdiff_t>(i - starts_[c]),
                 std::move(item));
    ++size_;
    for (size_t j = c + 1; j < starts_.size(); ++j) ++starts_[j];
    if (chunk.size() > 2 * kChunk) {  // split in halves
      auto tail = std::make_shared<Chunk>();
      tail->items.assign(std::make_move_iterator(chunk.begin() + kChunk),
                         std::make_move_iterator(chunk.end()));
      chunk.resize(kChunk);
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c) + 1,
                     std::move(tail));
      starts_.insert(starts_.begin() + static_cast<std::ptrdiff_t>(c) + 1,
                     starts_[c] + kChunk);
    }
  }

  // Replaces the element at index `i`.
  void Set(size_t i, T item) {
    size_t c = ChunkOf(i);
    MutableChunk(c)[i - starts_[c]] = std::move(item);
  }

  // Removes the element at index `i`.
  void Erase(size_t i) {
    size_t c = ChunkOf(i);
    --size_;
    for (size_t j = c + 1; j < starts_.size(); ++j) --starts_[j];
    if (chunks_[c]->items.size() == 1) {
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c));
      starts_.erase(starts_.begin() + static_cast<std::ptrdiff_t>(c));
      return;
    }
    std::vector<T>& chunk = MutableChunk(c);
    chunk.erase(chunk.begin() + static_cast<std::ptrdiff_t>(i - starts_[c]));
  }

 private:
  // The elements of chunk `c`, about to change: the chunk is copied first
  // when another ChunkedVector shares it, and its index is dropped. Every
  // chunk is created non-const, so casting constness away is sound; one
  // that no other copy holds cannot be seen by any reader.
  std::vector<T>& MutableChunk(size_t c) {
    if (chunks_[c].use_count() > 1) {
      chunks_[c] = std::make_shared<Chunk>(*chunks_[c]);
    }
    Chunk& chunk = *std::const_pointer_cast<Chunk>(chunks_[c]);
    if (chunk.lazy->index != nullptr) chunk.lazy = std::make_unique<Lazy>();
    return chunk.items;
  }

  // The chunk holding index i < size().
  size_t ChunkOf(size_t i) const {
    return static_cast<size_t>(
               std::upper_bound(starts_.begin(), starts_.end(), i) -
               starts_.begin()) -
           1;
  }

  std::vector<std::shared_ptr<const Chunk>> chunks_;
  std::vector<size_t> starts_;  // index of each chunk's first element
  size_t size_ = 0;
};

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_API_SHARED_VECTOR_H_
