// A small owning callable for events: up to 16 bytes of trivially copyable captures (a `this`
// pointer and an id, say) stored inline, so scheduling an event never allocates and the queue
// can move events with memcpy.
#pragma once

#include <cstring>
#include <new>
#include <type_traits>

namespace gilsim::sim {

class Callback {
 public:
  Callback() = default;

  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback>>>
  Callback(F f) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly by design
    static_assert(sizeof(F) <= kCapacity, "capture at most 16 bytes (e.g. [this, id])");
    static_assert(alignof(F) <= alignof(void*), "over-aligned captures are not supported");
    static_assert(std::is_trivially_copyable_v<F> && std::is_trivially_destructible_v<F>,
                  "captures must be trivially copyable (pointers, ids, numbers)");
    ::new (static_cast<void*>(storage_)) F(f);
    invoke_ = [](void* s) { (*std::launder(static_cast<F*>(s)))(); };
  }

  void operator()() { invoke_(storage_); }
  explicit operator bool() const { return invoke_ != nullptr; }

 private:
  static constexpr std::size_t kCapacity = 16;
  alignas(void*) unsigned char storage_[kCapacity] = {};
  void (*invoke_)(void*) = nullptr;
};

}  // namespace gilsim::sim
