#pragma once
// STUN (RFC 8489, compatible with RFC 5389) as an ICE-lite agent needs it (RFC 8445 sec. 2.5).
//
// Why it looks like this: every datagram that reaches the server's UDP port is first offered to
// looks_like_stun(); the ones that pass are parsed in place by parse_stun() into a StunMessage whose
// strings point into the datagram, authenticated with verify_message_integrity(), and answered with
// build_binding_success() or build_binding_error() into a caller-owned buffer. Nothing here
// allocates, reads a clock or touches a socket: a flood of binding requests costs a parse, one
// CRC-32 and one HMAC-SHA1 each. The builders also produce requests, for the test client and the
// load generator, which play the browser's (full ICE) side.
//
// Message layout (RFC 8489 sec. 5), all fields big-endian:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |0 0|     STUN Message Type     |         Message Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Magic Cookie                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Transaction ID (96 bits)                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | attributes: Type (16) | Length (16) | Value, padded to 4 bytes |
//
// Message type bits (sec. 5): M11..M7 C1 M6..M4 C0 M3..M0. The length counts the bytes after
// the 20-byte header. MESSAGE-INTEGRITY (HMAC-SHA1, sec. 14.5) covers the message up to itself
// with the length field set as if the message ended right after it; FINGERPRINT (CRC-32 xor
// 0x5354554e, sec. 14.7) is always last and covers everything before it.

#include "rtc/address.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mgs::rtc {

/// RFC 8489 sec. 5: fixed value in bytes 4..7 of every RFC 5389/8489 message.
inline constexpr std::uint32_t kStunMagicCookie = 0x2112A442;
/// RFC 8489 sec. 5: header size in bytes.
inline constexpr std::size_t kStunHeaderSize = 20;
/// RFC 8489 sec. 5: transaction ID size in bytes.
inline constexpr std::size_t kStunTransactionIdSize = 12;
/// RFC 8489 sec. 18.2: the Binding method.
inline constexpr std::uint16_t kStunBindingMethod = 0x001;
/// RFC 8489 sec. 14.7: FINGERPRINT is the CRC-32 of the message xor this value ("STUN").
inline constexpr std::uint32_t kStunFingerprintXor = 0x5354554e;
/// RFC 8489 sec. 14.5: MESSAGE-INTEGRITY value size (HMAC-SHA1).
inline constexpr std::size_t kStunIntegritySize = 20;
/// RFC 8489 sec. 14.3: USERNAME is at most 513 bytes (RFC 5389 sec. 15.3 bound, the looser one).
inline constexpr std::size_t kStunMaxUsernameSize = 513;
/// RFC 8489 sec. 14.8: ERROR-CODE reason phrase is at most 763 bytes.
inline constexpr std::size_t kStunMaxReasonSize = 763;
/// A buffer this large holds any message the builders produce with a username and reason of
/// the maximum sizes (header + attributes with padding).
inline constexpr std::size_t kStunMaxBuiltSize = 1400;

/// Attribute types (RFC 8489 sec. 18.3; ICE ones from RFC 8445 sec. 16.1). Types below 0x8000 are
/// comprehension-required: an agent that does not understand one must reject the message.
namespace stun_attr {
inline constexpr std::uint16_t kMappedAddress = 0x0001;          // RFC 8489 sec. 14.1
inline constexpr std::uint16_t kUsername = 0x0006;               // RFC 8489 sec. 14.3
inline constexpr std::uint16_t kMessageIntegrity = 0x0008;       // RFC 8489 sec. 14.5
inline constexpr std::uint16_t kErrorCode = 0x0009;              // RFC 8489 sec. 14.8
inline constexpr std::uint16_t kUnknownAttributes = 0x000A;      // RFC 8489 sec. 14.13
inline constexpr std::uint16_t kRealm = 0x0014;                  // RFC 8489 sec. 14.9
inline constexpr std::uint16_t kNonce = 0x0015;                  // RFC 8489 sec. 14.10
inline constexpr std::uint16_t kMessageIntegritySha256 = 0x001C; // RFC 8489 sec. 14.6
inline constexpr std::uint16_t kPasswordAlgorithm = 0x001D;      // RFC 8489 sec. 14.12
inline constexpr std::uint16_t kUserhash = 0x001E;               // RFC 8489 sec. 14.4
inline constexpr std::uint16_t kXorMappedAddress = 0x0020;       // RFC 8489 sec. 14.2
inline constexpr std::uint16_t kPriority = 0x0024;               // RFC 8445 sec. 7.1.1
inline constexpr std::uint16_t kUseCandidate = 0x0025;           // RFC 8445 sec. 7.1.2
inline constexpr std::uint16_t kSoftware = 0x8022;               // RFC 8489 sec. 14.14
inline constexpr std::uint16_t kAlternateServer = 0x8023;        // RFC 8489 sec. 14.15
inline constexpr std::uint16_t kFingerprint = 0x8028;            // RFC 8489 sec. 14.7
inline constexpr std::uint16_t kIceControlled = 0x8029;          // RFC 8445 sec. 7.1.3
inline constexpr std::uint16_t kIceControlling = 0x802A;         // RFC 8445 sec. 7.1.3
} // namespace stun_attr

/// Error codes used by an ICE-lite agent (RFC 8489 sec. 14.8, RFC 8445 sec. 7.3.1.1).
inline constexpr std::uint16_t kStunErrorBadRequest = 400;
inline constexpr std::uint16_t kStunErrorUnauthorized = 401;
inline constexpr std::uint16_t kStunErrorUnknownAttribute = 420;
inline constexpr std::uint16_t kStunErrorRoleConflict = 487;
inline constexpr std::uint16_t kStunErrorServerError = 500;

/// The class bits C1 C0 of the message type (RFC 8489 sec. 5).
enum class StunClass : std::uint8_t { Request = 0, Indication = 1, SuccessResponse = 2, ErrorResponse = 3 };

/// The 16-bit message type for a method and class (RFC 8489 sec. 5 bit interleaving).
[[nodiscard]] constexpr std::uint16_t stun_message_type(std::uint16_t method, StunClass cls) noexcept {
    const auto c = static_cast<std::uint16_t>(cls);
    return static_cast<std::uint16_t>(((method & 0x0F80) << 2) | ((method & 0x0070) << 1) |
                                      (method & 0x000F) | ((c & 0x2) << 7) | ((c & 0x1) << 4));
}

using StunTransactionId = std::array<std::uint8_t, kStunTransactionIdSize>;

/// A parsed message. A view: the string_views point into the buffer given to parse_stun(), which
/// must outlive it. Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored, as
/// RFC 8489 sec. 14.5 requires; when an attribute appears twice, the first one counts.
struct StunMessage {
    std::uint16_t method = 0;
    StunClass cls = StunClass::Request;
    StunTransactionId transaction_id{};
    std::string_view username;                    // USERNAME, empty if absent
    std::string_view software;                    // SOFTWARE, empty if absent
    std::optional<std::uint32_t> priority;        // PRIORITY
    bool use_candidate = false;                   // USE-CANDIDATE
    std::optional<std::uint64_t> ice_controlling; // ICE-CONTROLLING tie-breaker
    std::optional<std::uint64_t> ice_controlled;  // ICE-CONTROLLED tie-breaker
    std::optional<Address> xor_mapped_address;    // XOR-MAPPED-ADDRESS, decoded (un-XORed)
    std::optional<std::uint16_t> error_code;      // ERROR-CODE as class * 100 + number, e.g. 401
    std::string_view error_reason;                // ERROR-CODE reason phrase
    /// Byte offset of the MESSAGE-INTEGRITY attribute header, 0 if absent.
    std::size_t integrity_offset = 0;
    /// Byte offset of the FINGERPRINT attribute header, 0 if absent. When non-zero the CRC was
    /// checked by parse_stun().
    std::size_t fingerprint_offset = 0;
    /// Comprehension-required attribute types this parser does not understand (the first
    /// kMaxUnknown of them), for a 420 response (RFC 8489 sec. 6.3.1.1) to a request.
    static constexpr std::size_t kMaxUnknown = 4;
    std::array<std::uint16_t, kMaxUnknown> unknown_required{};
    std::uint8_t unknown_required_count = 0;

    [[nodiscard]] bool has_integrity() const noexcept { return integrity_offset != 0; }
    [[nodiscard]] bool has_fingerprint() const noexcept { return fingerprint_offset != 0; }
    [[nodiscard]] std::span<const std::uint16_t> unknown_attributes() const noexcept {
        return {unknown_required.data(), unknown_required_count};
    }
};

enum class StunParseError : std::uint8_t {
    None,
    NotStun,          // too short for a header, top bits set or wrong magic cookie
    Truncated,        // the length field promises more bytes than the datagram has
    BadLength,        // length not a multiple of 4, or bytes beyond the announced length
    BadAttribute,     // attribute overruns the message or has an invalid value or size
    AfterFingerprint, // an attribute follows FINGERPRINT, which must be last
    BadFingerprint,   // FINGERPRINT present and the CRC does not match
};

/// Short English name of an error, for logs and metrics labels ("none", "bad_fingerprint", ...).
[[nodiscard]] std::string_view to_string(StunParseError e) noexcept;

/// Cheap first check used to demultiplex datagrams on the shared port (RFC 7983 sec. 7: first byte
/// 0..3 is STUN; RFC 8489 sec. 5: magic cookie at bytes 4..7). True says "parse it as STUN", not
/// that it is valid.
[[nodiscard]] bool looks_like_stun(std::span<const std::uint8_t> data) noexcept;

/// Full parse and structural validation. On success returns None and fills `out` (reset first);
/// on failure `out` is unspecified. If FINGERPRINT is present its CRC-32 is verified here.
/// MESSAGE-INTEGRITY is located but not checked: see verify_message_integrity(). Never reads
/// outside `data`, never allocates.
[[nodiscard]] StunParseError parse_stun(std::span<const std::uint8_t> data, StunMessage& out) noexcept;

/// True when `msg` (parsed from exactly `data`) carries a MESSAGE-INTEGRITY that matches the
/// HMAC-SHA1 keyed with `key` (RFC 8489 sec. 14.5; compared in constant time). False if absent.
[[nodiscard]] bool verify_message_integrity_key(std::span<const std::uint8_t> data, const StunMessage& msg,
                                                std::span<const std::uint8_t> key) noexcept;

/// verify_message_integrity_key() with short-term credentials (RFC 8489 sec. 9.1.1: the key is the
/// password itself), which is what ICE uses: the password is the ice-pwd of the agent receiving
/// the request.
[[nodiscard]] bool verify_message_integrity(std::span<const std::uint8_t> data, const StunMessage& msg,
                                            std::string_view password) noexcept;

/// Builds a Binding success response carrying XOR-MAPPED-ADDRESS `mapped`, MESSAGE-INTEGRITY keyed
/// with `password` (omitted when empty) and FINGERPRINT. Returns the bytes written, 0 if `out` is
/// too small. No allocation.
[[nodiscard]] std::size_t build_binding_success(std::span<std::uint8_t> out, const StunTransactionId& txid,
                                                const Address& mapped, std::string_view password) noexcept;

/// Builds a Binding error response with ERROR-CODE `code` (300..699) and `reason` (cut to
/// kStunMaxReasonSize bytes), UNKNOWN-ATTRIBUTES when `unknown` is not empty (for 420),
/// MESSAGE-INTEGRITY when `password` is not empty, and FINGERPRINT. Returns the bytes written,
/// 0 if `out` is too small or the code is out of range. No allocation.
[[nodiscard]] std::size_t build_binding_error(std::span<std::uint8_t> out, const StunTransactionId& txid,
                                              std::uint16_t code, std::string_view reason,
                                              std::string_view password,
                                              std::span<const std::uint16_t> unknown = {}) noexcept;

/// Builds a Binding request as a full ICE agent sends it (RFC 8445 sec. 7.1): USERNAME,
/// PRIORITY, ICE-CONTROLLING or ICE-CONTROLLED carrying `tiebreaker`, USE-CANDIDATE when asked,
/// MESSAGE-INTEGRITY keyed with `password` (the remote ice-pwd) and FINGERPRINT. Returns the bytes
/// written, 0 if `out` is too small or the username longer than kStunMaxUsernameSize.
[[nodiscard]] std::size_t build_binding_request(std::span<std::uint8_t> out, const StunTransactionId& txid,
                                                std::string_view username, std::string_view password,
                                                std::uint32_t priority, bool controlling,
                                                std::uint64_t tiebreaker, bool use_candidate) noexcept;

} // namespace mgs::rtc
