#pragma once
// SDP offer/answer (RFC 8866, RFC 3264) reduced to what a WebRTC data-channel-only session needs
// (RFC 8841 for SCTP over DTLS, RFC 8839 for the ICE attributes, RFC 8122 for fingerprints).
//
// Why it looks like this: the server never negotiates media. It reads the browser's offer for the
// few facts it needs (ICE credentials, DTLS fingerprint and role, the SCTP port and message size,
// maybe some candidates) and writes an answer that names itself an ICE-lite agent with its host
// candidates. Everything else in an offer (audio/video sections, extmap, rtcp-fb, ...) is
// skipped, and the first data-channel m-section wins. The input comes from an untrusted client,
// so sizes are bounded and every error is a returned message, never an exception.

#include "rtc/address.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mgs::rtc {

/// Input limits: a browser's data-channel offer is about 1 KiB.
inline constexpr std::size_t kSdpMaxSize = 64 * 1024;
inline constexpr std::size_t kSdpMaxLineSize = 4 * 1024;
/// At most this many candidates are kept from one description; the rest are ignored.
inline constexpr std::size_t kSdpMaxCandidates = 32;
/// RFC 8841 sec. 5.1: a=sctp-port default when the attribute is absent.
inline constexpr std::uint16_t kSdpDefaultSctpPort = 5000;
/// RFC 8841 sec. 6.1: a=max-message-size default when the attribute is absent (64 KiB).
inline constexpr std::uint32_t kSdpDefaultMaxMessageSize = 65536;

/// One ICE candidate (RFC 8839 sec. 5.1), UDP and component 1 only.
struct IceCandidate {
    Address address;
    std::uint32_t priority = 0;
    std::string foundation; // 1..32 ice-chars
    std::string type;       // "host", "srflx", "prflx", "relay"
};

/// What the server needs from (or puts into) a data-channel session description.
struct SessionDescription {
    std::string ice_ufrag; // RFC 8839 sec. 5.4: ice-chars (ALPHA / DIGIT / "+" / "/"), at most 256
    std::string ice_pwd;
    bool ice_lite = false;
    std::array<std::uint8_t, 32> fingerprint_sha256{}; // a=fingerprint:sha-256 AB:CD:...
    std::string setup; // "actpass", "active", "passive"; empty when absent (RFC 4145 sec. 4 default)
    std::string mid = "0";
    std::uint16_t sctp_port = kSdpDefaultSctpPort;
    std::uint32_t max_message_size = kSdpDefaultMaxMessageSize; // 0: any size (RFC 8841 sec. 6.1)
    std::vector<IceCandidate> candidates; // tcp, mDNS (.local) and unparseable ones skipped
    std::uint64_t session_id = 0;         // o= line
};

/// Parses an offer or answer containing an m=application section for data channels, either
/// "UDP/DTLS/SCTP webrtc-datachannel" (RFC 8841) or the older "DTLS/SCTP <port>" with
/// a=sctpmap. Session-level and media-level attributes are both honoured (media-level wins).
/// Accepts CRLF and LF line endings. On failure returns false and sets `error` to a short
/// human-readable reason ("missing a=ice-ufrag", "fingerprint must be sha-256",
/// "no m=application section", ...); `out` is then unspecified. Never throws for bad input
/// (std::bad_alloc aside). A description it accepts, written back by write_sdp(), parses again.
[[nodiscard]] bool parse_sdp(std::string_view text, SessionDescription& out, std::string& error);

/// Writes a complete SDP for one data-channel m-section, an offer if `offer` (adds
/// a=ice-options:trickle) else an answer: v=, o=, s=-, t=0 0, a=group:BUNDLE, a=msid-semantic,
/// a=ice-lite (session level, RFC 8839 sec. 5.3) if set, m=application 9 UDP/DTLS/SCTP
/// webrtc-datachannel, c=, a=ice-ufrag, a=ice-pwd, a=fingerprint:sha-256, a=setup (if not empty),
/// a=mid, a=sctp-port, a=max-message-size, a=candidate lines and a=end-of-candidates. CRLF line
/// endings. The caller supplies valid fields (as parse_sdp() would accept them).
[[nodiscard]] std::string write_sdp(const SessionDescription& d, bool offer);

/// "AB:CD:..." (32 upper-case hex pairs) for a SHA-256 fingerprint (RFC 8122 sec. 5).
[[nodiscard]] std::string format_fingerprint(const std::array<std::uint8_t, 32>& fingerprint);

/// Parses 32 colon-separated hex pairs (either case). False, `out` unspecified, otherwise.
[[nodiscard]] bool parse_fingerprint(std::string_view text, std::array<std::uint8_t, 32>& out);

/// Parses one candidate attribute value, "candidate:<foundation> <component> <transport>
/// <priority> <address> <port> typ <type> [extensions]", with or without the leading "a=" (as
/// trickled in signaling). False for TCP candidates, components other than 1, host names (mDNS
/// ".local" addresses) and anything malformed.
[[nodiscard]] bool parse_candidate(std::string_view text, IceCandidate& out);

/// The a=candidate value (without "a=") that write_sdp() writes for `c`: "candidate:<foundation>
/// 1 udp <priority> <ip> <port> typ <type>".
[[nodiscard]] std::string format_candidate(const IceCandidate& c);

} // namespace mgs::rtc
