#pragma once
// An allocator for big arrays of plain values (grid-sized: 640k cells on the massive map) that
// gets zeroed memory from calloc and never writes it on construction. Why: fresh memory costs a
// page fault per 4 KiB the first time it is written (10-50 us each on the project's virtual
// machine, so 2.5 MiB written at once is a 10-30 ms stall), and calloc hands out fresh pages
// already zero without touching them. A vector of these:
// - resize() writes nothing: new elements are zero when the memory was fresh and otherwise
//   unspecified, so callers either write every element before reading it (FlowField fills its
//   costs in slices) or only rely on zero where calloc guarantees it (the first allocation);
// - costs page faults only where it is actually written (an A* search touches a few pages).
// Only for trivially copyable element types.
#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <vector>

namespace mgs::ai {

template <class T> struct ZeroedAllocator {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_default_constructible_v<T>);
    using value_type = T;

    ZeroedAllocator() noexcept = default;
    template <class U> explicit ZeroedAllocator(const ZeroedAllocator<U>&) noexcept {}

    /// n zeroed elements (untouched pages when the memory is fresh from the system).
    [[nodiscard]] T* allocate(std::size_t n) {
        void* p = std::calloc(n, sizeof(T));
        if (p == nullptr) throw std::bad_alloc();
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t) noexcept { std::free(p); }

    /// Default-initialisation: no write, so resize() touches no page.
    template <class U> void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
    template <class U, class... Args> void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(static_cast<Args&&>(args)...);
    }

    template <class U> bool operator==(const ZeroedAllocator<U>&) const noexcept { return true; }
};

/// A vector whose resize() neither writes nor touches the new elements (see above).
template <class T> using ZeroedVector = std::vector<T, ZeroedAllocator<T>>;

} // namespace mgs::ai
