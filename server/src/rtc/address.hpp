#pragma once
// A transport address (IP + UDP port) as plain bytes. The rtc/ layer is sans-IO, so it never sees
// a sockaddr: net/ converts at the socket boundary. IPv4 addresses are stored in the first four
// bytes of `ip`.

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace mgs::rtc {

struct Address {
    enum class Family : std::uint8_t { V4 = 4, V6 = 6 };
    Family family = Family::V4;
    std::array<std::uint8_t, 16> ip{};
    std::uint16_t port = 0;

    [[nodiscard]] static Address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                                    std::uint16_t port_) noexcept {
        Address r;
        r.ip[0] = a;
        r.ip[1] = b;
        r.ip[2] = c;
        r.ip[3] = d;
        r.port = port_;
        return r;
    }

    [[nodiscard]] std::size_t ip_size() const noexcept { return family == Family::V4 ? 4 : 16; }

    friend bool operator==(const Address& a, const Address& b) noexcept {
        return a.family == b.family && a.port == b.port &&
               std::memcmp(a.ip.data(), b.ip.data(), a.ip_size()) == 0;
    }

    /// Parses "1.2.3.4" or "::1" (no port). Empty when the text is not an IP address.
    [[nodiscard]] static std::optional<Address> parse_ip(std::string_view text, std::uint16_t port_);
    /// "1.2.3.4" or "::1" (no port).
    [[nodiscard]] std::string ip_string() const;
    /// "1.2.3.4:5" or "[::1]:5".
    [[nodiscard]] std::string to_string() const;
};

/// Hash for unordered containers keyed by address (net/ demultiplexes by it).
struct AddressHash {
    std::size_t operator()(const Address& a) const noexcept {
        std::uint64_t h = 1469598103934665603ULL ^ static_cast<std::uint64_t>(a.family);
        for (std::size_t i = 0; i < a.ip_size(); ++i) {
            h = (h ^ a.ip[i]) * 1099511628211ULL;
        }
        h = (h ^ a.port) * 1099511628211ULL;
        return static_cast<std::size_t>(h);
    }
};

} // namespace mgs::rtc
