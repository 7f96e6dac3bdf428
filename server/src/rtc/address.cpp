#include "rtc/address.hpp"

#include <arpa/inet.h> // inet_pton/inet_ntop: text conversion only, no sockets

namespace mgs::rtc {

std::optional<Address> Address::parse_ip(std::string_view text, std::uint16_t port_) {
    if (text.size() >= INET6_ADDRSTRLEN) {
        return std::nullopt;
    }
    const std::string s(text);
    Address a;
    a.port = port_;
    if (inet_pton(AF_INET, s.c_str(), a.ip.data()) == 1) {
        a.family = Family::V4;
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.ip.data()) == 1) {
        a.family = Family::V6;
        return a;
    }
    return std::nullopt;
}

std::string Address::ip_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == Family::V4 ? AF_INET : AF_INET6, ip.data(), buf, sizeof buf);
    return buf;
}

std::string Address::to_string() const {
    // Appends rather than operator+ chains: GCC 12 warns falsely (-Wrestrict) on "[" + string.
    std::string out;
    if (family == Family::V6) {
        out.push_back('[');
    }
    out.append(ip_string());
    if (family == Family::V6) {
        out.push_back(']');
    }
    out.push_back(':');
    out.append(std::to_string(port));
    return out;
}

} // namespace mgs::rtc
