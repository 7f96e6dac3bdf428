#pragma once
// Handles of index + generation. A handle to a slot that was freed and reused compares unequal
// to the new occupant's handle, so stale references are detected instead of followed.
#include <compare>
#include <cstdint>

namespace mgs {

template <class Tag> struct Handle {
    std::uint32_t index = kInvalidIndex;
    std::uint32_t generation = 0;

    static constexpr std::uint32_t kInvalidIndex = 0xffffffffu;

    [[nodiscard]] constexpr bool valid() const noexcept { return index != kInvalidIndex; }
    friend constexpr auto operator<=>(const Handle&, const Handle&) noexcept = default;
};

} // namespace mgs
