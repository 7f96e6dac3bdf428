#include "rtc/sdp.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

namespace mgs::rtc {
namespace {

// RFC 8839 sec. 5.4: ice-ufrag and ice-pwd are at most 256 ice-chars.
constexpr std::size_t kMaxIceCredentialSize = 256;
// RFC 8839 sec. 5.1: a foundation is 1..32 ice-chars.
constexpr std::size_t kMaxFoundationSize = 32;
// Bound on a mid or candidate type we are willing to copy (RFC 5888 and RFC 8839 allow any token).
constexpr std::size_t kMaxTokenSize = 64;
constexpr std::string_view kDataChannelProto = "UDP/DTLS/SCTP";       // RFC 8841 sec. 4.1
constexpr std::string_view kDataChannelFormat = "webrtc-datachannel"; // RFC 8841 sec. 4.2
constexpr std::string_view kLegacyProto = "DTLS/SCTP"; // draft-ietf-mmusic-sctp-sdp-05, with a=sctpmap

[[nodiscard]] bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
[[nodiscard]] bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// RFC 8839 sec. 5.1: ice-char = ALPHA / DIGIT / "+" / "/".
[[nodiscard]] bool is_ice_char(char c) noexcept {
    return is_alpha(c) || is_digit(c) || c == '+' || c == '/';
}

[[nodiscard]] bool all_ice_chars(std::string_view s, std::size_t max_size) noexcept {
    if (s.empty() || s.size() > max_size) return false;
    return std::ranges::all_of(s, [](char c) { return is_ice_char(c); });
}

// Visible ASCII without space (RFC 8866 token characters are a subset; being a bit more liberal
// costs nothing here because the value is only echoed back).
[[nodiscard]] bool is_visible_token(std::string_view s, std::size_t max_size) noexcept {
    if (s.empty() || s.size() > max_size) return false;
    return std::ranges::all_of(s, [](char c) { return c > 0x20 && c < 0x7F; });
}

[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

[[nodiscard]] std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

/// Decimal digits only (no sign, no spaces) that fit in T.
template <class T> [[nodiscard]] bool parse_number(std::string_view s, T& out) noexcept {
    if (s.empty()) return false;
    for (char c : s) {
        if (!is_digit(c)) return false;
    }
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && ptr == s.data() + s.size();
}

/// Splits on spaces and tabs, at most N tokens; returns how many were found (N + 1 if more).
template <std::size_t N>
std::size_t split_tokens(std::string_view s, std::array<std::string_view, N>& tokens) noexcept {
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
        if (i == s.size()) break;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') ++i;
        if (count == N) return N + 1;
        tokens[count++] = s.substr(start, i - start);
    }
    return count;
}

[[nodiscard]] int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// The attributes of one level (session or the chosen media section). Views into the input.
struct Level {
    std::optional<std::string_view> ice_ufrag;
    std::optional<std::string_view> ice_pwd;
    std::optional<std::string_view> setup;
    std::optional<std::string_view> mid;
    std::optional<std::string_view> sctp_port;
    std::optional<std::string_view> sctpmap_port;
    std::optional<std::string_view> max_message_size;
    std::optional<std::string_view> fingerprint_sha256;
    bool any_fingerprint = false;
    bool ice_lite = false;
};

template <class T>
const std::optional<T>& pick(const std::optional<T>& media, const std::optional<T>& session) noexcept {
    return media ? media : session;
}

void read_attribute(std::string_view line, Level& level, std::vector<IceCandidate>* candidates) {
    // "a=<name>" or "a=<name>:<value>"
    const std::string_view body = line.substr(2);
    const std::size_t colon = body.find(':');
    const std::string_view name = body.substr(0, colon);
    const std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : trim(body.substr(colon + 1));
    if (name == "ice-ufrag") {
        if (!level.ice_ufrag) level.ice_ufrag = value;
    } else if (name == "ice-pwd") {
        if (!level.ice_pwd) level.ice_pwd = value;
    } else if (name == "ice-lite") {
        level.ice_lite = true;
    } else if (name == "setup") {
        if (!level.setup) level.setup = value;
    } else if (name == "mid") {
        if (!level.mid) level.mid = value;
    } else if (name == "sctp-port") {
        if (!level.sctp_port) level.sctp_port = value;
    } else if (name == "sctpmap") {
        // a=sctpmap:<port> webrtc-datachannel <streams>
        if (!level.sctpmap_port) level.sctpmap_port = value.substr(0, value.find(' '));
    } else if (name == "max-message-size") {
        if (!level.max_message_size) level.max_message_size = value;
    } else if (name == "fingerprint") {
        // RFC 8122 sec. 5: a=fingerprint:<hash-func> <fingerprint>; several may be offered.
        level.any_fingerprint = true;
        const std::size_t space = value.find(' ');
        if (space != std::string_view::npos && iequals(value.substr(0, space), "sha-256") &&
            !level.fingerprint_sha256) {
            level.fingerprint_sha256 = trim(value.substr(space + 1));
        }
    } else if (name == "candidate" && candidates != nullptr && candidates->size() < kSdpMaxCandidates) {
        IceCandidate c;
        if (parse_candidate(line, c)) candidates->push_back(std::move(c));
    }
}

} // namespace

std::string format_fingerprint(const std::array<std::uint8_t, 32>& fingerprint) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string s;
    s.reserve(fingerprint.size() * 3);
    for (std::size_t i = 0; i < fingerprint.size(); ++i) {
        if (i != 0) s += ':';
        s += kHex[fingerprint[i] >> 4];
        s += kHex[fingerprint[i] & 0x0F];
    }
    return s;
}

bool parse_fingerprint(std::string_view text, std::array<std::uint8_t, 32>& out) {
    if (text.size() != out.size() * 3 - 1) return false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = hex_value(text[3 * i]);
        const int lo = hex_value(text[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i + 1 < out.size() && text[3 * i + 2] != ':')) return false;
        out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
    }
    return true;
}

bool parse_candidate(std::string_view text, IceCandidate& out) {
    text = trim(text);
    if (text.substr(0, 2) == "a=") text.remove_prefix(2);
    constexpr std::string_view kPrefix = "candidate:";
    if (text.substr(0, kPrefix.size()) != kPrefix) return false;
    text.remove_prefix(kPrefix.size());
    // RFC 8839 sec. 5.1: foundation component transport priority address port "typ" type *ext
    std::array<std::string_view, 8> t{};
    if (split_tokens(text, t) < t.size()) return false; // extensions beyond the 8th are ignored
    std::uint32_t component = 0;
    std::uint32_t priority = 0;
    std::uint16_t port = 0;
    if (!all_ice_chars(t[0], kMaxFoundationSize) || !parse_number(t[1], component) || component != 1 ||
        !iequals(t[2], "udp") || !parse_number(t[3], priority) || !parse_number(t[5], port) ||
        t[6] != "typ") {
        return false;
    }
    for (char c : t[7]) {
        if (!is_alpha(c) && !is_digit(c)) return false;
    }
    if (t[7].empty() || t[7].size() > kMaxTokenSize) return false;
    // Host names, notably mDNS "<uuid>.local" names (draft-ietf-mmusic-mdns-ice-candidates), are
    // not addresses: resolving them is not our business, so such candidates are skipped.
    const auto address = Address::parse_ip(t[4], port);
    if (!address) return false;
    out.address = *address;
    out.priority = priority;
    out.foundation = std::string(t[0]);
    out.type = std::string(t[7]);
    return true;
}

std::string format_candidate(const IceCandidate& c) {
    std::string s = "candidate:";
    s += c.foundation.empty() ? std::string_view("1") : std::string_view(c.foundation);
    s += " 1 udp ";
    s += std::to_string(c.priority);
    s += ' ';
    s += c.address.ip_string();
    s += ' ';
    s += std::to_string(c.address.port);
    s += " typ ";
    s += c.type.empty() ? std::string_view("host") : std::string_view(c.type);
    return s;
}

bool parse_sdp(std::string_view text, SessionDescription& out, std::string& error) {
    out = SessionDescription{};
    if (text.size() > kSdpMaxSize) {
        error = "SDP too large";
        return false;
    }
    enum class Section { Session, DataChannel, Other };
    Section section = Section::Session;
    bool found = false;
    bool legacy = false;
    std::optional<std::string_view> legacy_port;
    Level session;
    Level media;
    bool first_line = true;

    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > kSdpMaxLineSize) {
            error = "line too long";
            return false;
        }
        if (first_line) {
            first_line = false;
            if (trim(line) != "v=0") {
                error = "not an SDP (missing v=0)";
                return false;
            }
            continue;
        }
        if (line.empty()) continue;
        if (line.size() < 2 || line[1] != '=') {
            error = "malformed line";
            return false;
        }
        switch (line[0]) {
        case 'o': {
            // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
            std::array<std::string_view, 6> t{};
            if (section == Section::Session && split_tokens(line.substr(2), t) >= 2) {
                std::uint64_t id = 0;
                if (parse_number(t[1], id)) out.session_id = id;
            }
            break;
        }
        case 'm': {
            if (found) {
                section = Section::Other;
                break;
            }
            // m=<media> <port>[/<count>] <proto> <fmt> ...
            std::array<std::string_view, 8> t{};
            const std::size_t n = split_tokens(line.substr(2), t);
            section = Section::Other;
            if (n < 4 || t[0] != "application") break;
            bool fits = false;
            if (t[2] == kDataChannelProto) {
                for (std::size_t i = 3; i < std::min(n, t.size()); ++i)
                    fits = fits || t[i] == kDataChannelFormat;
            } else if (t[2] == kLegacyProto) {
                fits = true;
                legacy = true;
                legacy_port = t[3];
            }
            if (!fits) break;
            std::uint16_t port = 0;
            if (!parse_number(t[1].substr(0, t[1].find('/')), port)) {
                error = "invalid m=application line";
                return false;
            }
            section = Section::DataChannel;
            found = true;
            break;
        }
        case 'a':
            if (section == Section::Session) {
                read_attribute(line, session, nullptr);
            } else if (section == Section::DataChannel) {
                read_attribute(line, media, &out.candidates);
            }
            break;
        default:
            break;
        }
    }
    if (first_line) {
        error = "not an SDP (missing v=0)";
        return false;
    }
    if (!found) {
        error = "no m=application section";
        return false;
    }

    const auto& ufrag = pick(media.ice_ufrag, session.ice_ufrag);
    if (!ufrag) {
        error = "missing a=ice-ufrag";
        return false;
    }
    if (!all_ice_chars(*ufrag, kMaxIceCredentialSize)) {
        error = "invalid a=ice-ufrag";
        return false;
    }
    const auto& pwd = pick(media.ice_pwd, session.ice_pwd);
    if (!pwd) {
        error = "missing a=ice-pwd";
        return false;
    }
    if (!all_ice_chars(*pwd, kMaxIceCredentialSize)) {
        error = "invalid a=ice-pwd";
        return false;
    }
    out.ice_ufrag = std::string(*ufrag);
    out.ice_pwd = std::string(*pwd);
    out.ice_lite = media.ice_lite || session.ice_lite;

    const Level& fp_level = media.any_fingerprint ? media : session;
    if (!fp_level.any_fingerprint) {
        error = "missing a=fingerprint";
        return false;
    }
    if (!fp_level.fingerprint_sha256) {
        error = "fingerprint must be sha-256";
        return false;
    }
    if (!parse_fingerprint(*fp_level.fingerprint_sha256, out.fingerprint_sha256)) {
        error = "invalid a=fingerprint";
        return false;
    }

    if (const auto& setup = pick(media.setup, session.setup)) {
        if (*setup != "actpass" && *setup != "active" && *setup != "passive") {
            error = "invalid a=setup";
            return false;
        }
        out.setup = std::string(*setup);
    }
    if (const auto& mid = pick(media.mid, session.mid)) {
        if (!is_visible_token(*mid, kMaxTokenSize)) {
            error = "invalid a=mid";
            return false;
        }
        out.mid = std::string(*mid);
    }

    std::optional<std::string_view> port_text = pick(media.sctp_port, session.sctp_port);
    if (!port_text && legacy) port_text = pick(media.sctpmap_port, session.sctpmap_port);
    if (!port_text && legacy) port_text = legacy_port;
    if (port_text) {
        std::uint16_t port = 0;
        if (!parse_number(*port_text, port) || port == 0) {
            error = "invalid a=sctp-port";
            return false;
        }
        out.sctp_port = port;
    }

    if (const auto& size = pick(media.max_message_size, session.max_message_size)) {
        std::uint64_t value = 0;
        bool digits = !size->empty();
        for (char c : *size) digits = digits && is_digit(c);
        if (!digits) {
            error = "invalid a=max-message-size";
            return false;
        }
        // Larger than we could ever send: clamp rather than reject.
        if (!parse_number(*size, value) || value > std::numeric_limits<std::uint32_t>::max()) {
            value = std::numeric_limits<std::uint32_t>::max();
        }
        out.max_message_size = static_cast<std::uint32_t>(value);
    }
    error.clear();
    return true;
}

std::string write_sdp(const SessionDescription& d, bool offer) {
    std::string s;
    s.reserve(768 + 96 * d.candidates.size());
    const auto line = [&s](std::string_view a, std::string_view b = {}, std::string_view c = {}) {
        s += a;
        s += b;
        s += c;
        s += "\r\n";
    };
    line("v=0");
    line("o=- ", std::to_string(d.session_id), " 2 IN IP4 127.0.0.1");
    line("s=-");
    line("t=0 0");
    line("a=group:BUNDLE ", d.mid);
    line("a=msid-semantic: WMS");
    if (d.ice_lite) line("a=ice-lite");
    line("m=application 9 UDP/DTLS/SCTP webrtc-datachannel");
    line("c=IN IP4 0.0.0.0");
    line("a=ice-ufrag:", d.ice_ufrag);
    line("a=ice-pwd:", d.ice_pwd);
    if (offer) line("a=ice-options:trickle");
    line("a=fingerprint:sha-256 ", format_fingerprint(d.fingerprint_sha256));
    if (!d.setup.empty()) line("a=setup:", d.setup);
    line("a=mid:", d.mid);
    line("a=sctp-port:", std::to_string(d.sctp_port));
    line("a=max-message-size:", std::to_string(d.max_message_size));
    for (const IceCandidate& c : d.candidates) line("a=", format_candidate(c));
    line("a=end-of-candidates");
    return s;
}

} // namespace mgs::rtc
