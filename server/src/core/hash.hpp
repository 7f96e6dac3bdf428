#pragma once
// Incremental 64-bit FNV-1a over the bytes of values, used for the world state hash that the
// determinism tests compare across thread counts and build types.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

namespace mgs {

class StateHasher {
public:
    void bytes(const void* data, std::size_t size) noexcept {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < size; ++i) {
            h_ ^= p[i];
            h_ *= 0x100000001b3ULL;
        }
    }
    /// Adds an arithmetic or enum value by its object representation (floats by bit pattern).
    template <class T>
    requires std::is_arithmetic_v<T> || std::is_enum_v<T>
    void add(T v) noexcept {
        if constexpr (std::is_same_v<T, float>) {
            // -0.0f and 0.0f compare equal in the simulation; hash them equally.
            if (v == 0.0f) v = 0.0f;
        }
        bytes(&v, sizeof v);
    }
    [[nodiscard]] std::uint64_t value() const noexcept { return h_; }
    /// Value as 16 lowercase hex digits.
    [[nodiscard]] std::string hex() const;

private:
    std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

inline std::string StateHasher::hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 0; i < 16; ++i) s[static_cast<std::size_t>(15 - i)] = kDigits[(h_ >> (4 * i)) & 0xf];
    return s;
}

} // namespace mgs
