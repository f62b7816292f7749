// A growable array for trivially copyable values with an always-inlined append: the event
// queue appends on every scheduled event, and std::vector's append is not always inlined.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

namespace gilsim::sim {

template <class T>
class FlatVec {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  FlatVec() = default;
  FlatVec(const FlatVec&) = delete;
  FlatVec& operator=(const FlatVec&) = delete;
  FlatVec(FlatVec&& o) noexcept : data_(o.data_), size_(o.size_), cap_(o.cap_) {
    o.data_ = nullptr;
    o.size_ = o.cap_ = 0;
  }
  FlatVec& operator=(FlatVec&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(cap_, o.cap_);
    return *this;
  }
  ~FlatVec() { std::free(data_); }

  void push_back(const T& v) {
    if (size_ == cap_) grow();
    data_[size_++] = v;
  }
  void pop_back() { --size_; }
  T& back() { return data_[size_ - 1]; }
  T& front() { return data_[0]; }
  const T& front() const { return data_[0]; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  void resize(std::size_t n) {  // shrinking only, or growing with unspecified values
    while (cap_ < n) grow();
    size_ = n;
  }
  /// Drops the first n elements.
  void erase_front(std::size_t n) {
    std::memmove(data_, data_ + n, (size_ - n) * sizeof(T));
    size_ -= n;
  }

 private:
  void grow() {
    const std::size_t cap = cap_ ? 2 * cap_ : 16;
    T* p = static_cast<T*>(std::realloc(data_, cap * sizeof(T)));
    if (p == nullptr) throw std::bad_alloc();
    data_ = p;
    cap_ = cap;
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

}  // namespace gilsim::sim
