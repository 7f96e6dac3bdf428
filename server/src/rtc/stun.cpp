#include "rtc/stun.hpp"

// SHA1_Init and friends: see hmac_sha1() below.
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace mgs::rtc {
namespace {

// RFC 8489 sec. 14.2: address family byte of (XOR-)MAPPED-ADDRESS.
constexpr std::uint8_t kFamilyV4 = 0x01;
constexpr std::uint8_t kFamilyV6 = 0x02;
// RFC 8489 sec. 14.7: FINGERPRINT value is 4 bytes; RFC 8445 sec. 7.1.1/7.1.3: PRIORITY is 4,
// ICE-CONTROLLING/ICE-CONTROLLED are 8, USE-CANDIDATE is empty.
constexpr std::size_t kFingerprintSize = 4;
constexpr std::size_t kAttrHeaderSize = 4;
// RFC 8489 sec. 14.6: MESSAGE-INTEGRITY-SHA256 is 16 to 32 bytes, a multiple of 4.
constexpr std::size_t kIntegritySha256Min = 16;
constexpr std::size_t kIntegritySha256Max = 32;

[[nodiscard]] std::uint16_t load16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
[[nodiscard]] std::uint32_t load32(const std::uint8_t* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
[[nodiscard]] std::uint64_t load64(const std::uint8_t* p) noexcept {
    return (std::uint64_t{load32(p)} << 32) | load32(p + 4);
}
void store16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
void store32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}
[[nodiscard]] constexpr std::size_t padded(std::size_t n) noexcept {
    return (n + 3) & ~std::size_t{3};
}

[[nodiscard]] std::uint32_t crc32_of(std::span<const std::uint8_t> bytes) noexcept {
    // zlib's crc32 takes a uInt length; STUN messages are < 64 KiB so one call suffices.
    return static_cast<std::uint32_t>(
        ::crc32(::crc32(0L, Z_NULL, 0), bytes.data(), static_cast<uInt>(bytes.size())));
}

// HMAC-SHA1 (RFC 2104) composed from OpenSSL's SHA-1 block functions. Why not EVP_MAC: OpenSSL
// 3.0's EVP layer allocates on every digest or MAC initialisation (measured on 3.0: one malloc per
// EVP_DigestInit_ex2, five per EVP_MAC_init), and this runs for every binding request of a flood.
// SHA1_Init/Update/Final keep their state in a stack SHA_CTX; they are deprecated in 3.0 only in
// favour of EVP, hence OPENSSL_SUPPRESS_DEPRECATED above.
constexpr std::size_t kSha1BlockSize = 64; // RFC 3174 sec. 6
bool hmac_sha1(std::span<const std::uint8_t> key, std::span<const std::uint8_t> a,
               std::span<const std::uint8_t> b, std::array<std::uint8_t, kStunIntegritySize>& out) noexcept {
    std::array<std::uint8_t, kSha1BlockSize> block{};
    if (key.size() > kSha1BlockSize) {
        SHA_CTX k;
        if (SHA1_Init(&k) != 1 || SHA1_Update(&k, key.data(), key.size()) != 1 ||
            SHA1_Final(block.data(), &k) != 1) {
            return false;
        }
    } else if (!key.empty()) {
        std::memcpy(block.data(), key.data(), key.size());
    }
    std::array<std::uint8_t, kSha1BlockSize> pad{};
    for (std::size_t i = 0; i < kSha1BlockSize; ++i) pad[i] = static_cast<std::uint8_t>(block[i] ^ 0x36);
    std::array<std::uint8_t, SHA_DIGEST_LENGTH> inner{};
    SHA_CTX c;
    if (SHA1_Init(&c) != 1 || SHA1_Update(&c, pad.data(), pad.size()) != 1 ||
        (!a.empty() && SHA1_Update(&c, a.data(), a.size()) != 1) ||
        (!b.empty() && SHA1_Update(&c, b.data(), b.size()) != 1) || SHA1_Final(inner.data(), &c) != 1) {
        return false;
    }
    for (std::size_t i = 0; i < kSha1BlockSize; ++i) pad[i] = static_cast<std::uint8_t>(block[i] ^ 0x5c);
    static_assert(SHA_DIGEST_LENGTH == kStunIntegritySize);
    return SHA1_Init(&c) == 1 && SHA1_Update(&c, pad.data(), pad.size()) == 1 &&
           SHA1_Update(&c, inner.data(), inner.size()) == 1 && SHA1_Final(out.data(), &c) == 1;
}

// HMAC over message[0, integrity_offset) with the header's length field replaced so that the
// message appears to end right after MESSAGE-INTEGRITY (RFC 8489 sec. 14.5).
bool integrity_hmac(std::span<const std::uint8_t> message, std::size_t integrity_offset,
                    std::span<const std::uint8_t> key,
                    std::array<std::uint8_t, kStunIntegritySize>& out) noexcept {
    std::array<std::uint8_t, kStunHeaderSize> header{};
    std::memcpy(header.data(), message.data(), kStunHeaderSize);
    store16(header.data() + 2, static_cast<std::uint16_t>(integrity_offset + kAttrHeaderSize +
                                                          kStunIntegritySize - kStunHeaderSize));
    return hmac_sha1(key, header, message.subspan(kStunHeaderSize, integrity_offset - kStunHeaderSize), out);
}

[[nodiscard]] bool known_attribute(std::uint16_t type) noexcept {
    switch (type) {
    case stun_attr::kMappedAddress:
    case stun_attr::kUsername:
    case stun_attr::kMessageIntegrity:
    case stun_attr::kErrorCode:
    case stun_attr::kUnknownAttributes:
    case stun_attr::kRealm:
    case stun_attr::kNonce:
    case stun_attr::kMessageIntegritySha256:
    case stun_attr::kPasswordAlgorithm:
    case stun_attr::kUserhash:
    case stun_attr::kXorMappedAddress:
    case stun_attr::kPriority:
    case stun_attr::kUseCandidate:
        return true;
    default:
        return false;
    }
}

// XOR-MAPPED-ADDRESS (RFC 8489 sec. 14.2): the port is xored with the top 16 bits of the magic
// cookie, an IPv4 address with the cookie, an IPv6 address with cookie || transaction ID.
bool decode_xor_address(std::span<const std::uint8_t> value, const StunTransactionId& txid,
                        Address& out) noexcept {
    if (value.size() < 4) return false;
    std::array<std::uint8_t, 16> mask{};
    store32(mask.data(), kStunMagicCookie);
    std::memcpy(mask.data() + 4, txid.data(), txid.size());
    out = Address{};
    out.port = static_cast<std::uint16_t>(load16(value.data() + 2) ^ (kStunMagicCookie >> 16));
    if (value[1] == kFamilyV4 && value.size() == 8) {
        out.family = Address::Family::V4;
    } else if (value[1] == kFamilyV6 && value.size() == 20) {
        out.family = Address::Family::V6;
    } else {
        return false;
    }
    for (std::size_t i = 0; i < out.ip_size(); ++i) {
        out.ip[i] = static_cast<std::uint8_t>(value[4 + i] ^ mask[i]);
    }
    return true;
}

// Bounds-checked sequential writer over the caller's buffer; once it runs out of room every
// further call is a no-op and ok() is false.
class Writer {
public:
    explicit Writer(std::span<std::uint8_t> out) noexcept : out_(out) {}

    [[nodiscard]] bool ok() const noexcept { return ok_; }
    [[nodiscard]] std::size_t size() const noexcept { return pos_; }
    [[nodiscard]] std::span<std::uint8_t> bytes() const noexcept { return out_.first(pos_); }

    void header(std::uint16_t type, const StunTransactionId& txid) noexcept {
        if (!reserve(kStunHeaderSize)) return;
        store16(out_.data(), type);
        store16(out_.data() + 2, 0);
        store32(out_.data() + 4, kStunMagicCookie);
        std::memcpy(out_.data() + 8, txid.data(), txid.size());
        pos_ = kStunHeaderSize;
    }
    /// Starts an attribute of `length` value bytes and returns a pointer to its value (zero
    /// padding already written), or null when out of room.
    std::uint8_t* attribute(std::uint16_t type, std::size_t length) noexcept {
        const std::size_t total = kAttrHeaderSize + padded(length);
        if (!reserve(total)) return nullptr;
        std::uint8_t* p = out_.data() + pos_;
        store16(p, type);
        store16(p + 2, static_cast<std::uint16_t>(length));
        std::memset(p + kAttrHeaderSize, 0, padded(length));
        pos_ += total;
        set_length(pos_);
        return p + kAttrHeaderSize;
    }
    void bytes_attribute(std::uint16_t type, std::span<const std::uint8_t> value) noexcept {
        if (std::uint8_t* p = attribute(type, value.size()); p != nullptr && !value.empty()) {
            std::memcpy(p, value.data(), value.size());
        }
    }
    void u32_attribute(std::uint16_t type, std::uint32_t v) noexcept {
        if (std::uint8_t* p = attribute(type, 4)) store32(p, v);
    }
    void u64_attribute(std::uint16_t type, std::uint64_t v) noexcept {
        if (std::uint8_t* p = attribute(type, 8)) {
            store32(p, static_cast<std::uint32_t>(v >> 32));
            store32(p + 4, static_cast<std::uint32_t>(v));
        }
    }
    /// MESSAGE-INTEGRITY over everything written so far (RFC 8489 sec. 14.5).
    void integrity(std::string_view password) noexcept {
        const std::size_t offset = pos_;
        std::uint8_t* p = attribute(stun_attr::kMessageIntegrity, kStunIntegritySize);
        if (p == nullptr) return;
        std::array<std::uint8_t, kStunIntegritySize> mac{};
        const auto* key = reinterpret_cast<const std::uint8_t*>(password.data());
        if (!integrity_hmac(out_.first(pos_), offset, {key, password.size()}, mac)) {
            ok_ = false;
            return;
        }
        std::memcpy(p, mac.data(), mac.size());
    }
    /// FINGERPRINT over everything written so far (RFC 8489 sec. 14.7); must come last.
    void fingerprint() noexcept {
        const std::size_t offset = pos_;
        std::uint8_t* p = attribute(stun_attr::kFingerprint, kFingerprintSize);
        if (p == nullptr) return;
        store32(p, crc32_of(out_.first(offset)) ^ kStunFingerprintXor);
    }

private:
    bool reserve(std::size_t n) noexcept {
        if (!ok_ || out_.size() - pos_ < n || pos_ + n - kStunHeaderSize > 0xFFFF) {
            ok_ = false;
            return false;
        }
        return true;
    }
    void set_length(std::size_t end) noexcept {
        store16(out_.data() + 2, static_cast<std::uint16_t>(end - kStunHeaderSize));
    }

    std::span<std::uint8_t> out_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

[[nodiscard]] std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

} // namespace

std::string_view to_string(StunParseError e) noexcept {
    switch (e) {
    case StunParseError::None:
        return "none";
    case StunParseError::NotStun:
        return "not_stun";
    case StunParseError::Truncated:
        return "truncated";
    case StunParseError::BadLength:
        return "bad_length";
    case StunParseError::BadAttribute:
        return "bad_attribute";
    case StunParseError::AfterFingerprint:
        return "after_fingerprint";
    case StunParseError::BadFingerprint:
        return "bad_fingerprint";
    }
    return "unknown";
}

bool looks_like_stun(std::span<const std::uint8_t> data) noexcept {
    return data.size() >= kStunHeaderSize && data[0] <= 3 && load32(data.data() + 4) == kStunMagicCookie;
}

StunParseError parse_stun(std::span<const std::uint8_t> data, StunMessage& out) noexcept {
    out = StunMessage{};
    if (data.size() < kStunHeaderSize) return StunParseError::NotStun;
    const std::uint16_t type = load16(data.data());
    // RFC 8489 sec. 5: the two most significant bits are zero.
    if ((type & 0xC000) != 0 || load32(data.data() + 4) != kStunMagicCookie) return StunParseError::NotStun;
    const std::size_t length = load16(data.data() + 2);
    if (length % 4 != 0) return StunParseError::BadLength;
    if (kStunHeaderSize + length > data.size()) return StunParseError::Truncated;
    if (kStunHeaderSize + length < data.size()) return StunParseError::BadLength;

    out.method =
        static_cast<std::uint16_t>(((type & 0x3E00) >> 2) | ((type & 0x00E0) >> 1) | (type & 0x000F));
    out.cls = static_cast<StunClass>(((type & 0x0100) >> 7) | ((type & 0x0010) >> 4));
    std::memcpy(out.transaction_id.data(), data.data() + 8, kStunTransactionIdSize);

    std::size_t pos = kStunHeaderSize;
    bool seen_username = false;
    bool seen_software = false;
    while (pos < data.size()) {
        if (out.fingerprint_offset != 0) return StunParseError::AfterFingerprint;
        if (data.size() - pos < kAttrHeaderSize) return StunParseError::BadAttribute;
        const std::uint16_t attr = load16(data.data() + pos);
        const std::size_t len = load16(data.data() + pos + 2);
        if (padded(len) > data.size() - pos - kAttrHeaderSize) return StunParseError::BadAttribute;
        const auto value = data.subspan(pos + kAttrHeaderSize, len);
        const auto text = std::string_view(reinterpret_cast<const char*>(value.data()), value.size());
        const std::size_t at = pos;
        pos += kAttrHeaderSize + padded(len);

        if (attr == stun_attr::kFingerprint) {
            if (len != kFingerprintSize) return StunParseError::BadAttribute;
            out.fingerprint_offset = at;
            continue;
        }
        if (out.integrity_offset != 0) {
            // RFC 8489 sec. 14.5: only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow
            // MESSAGE-INTEGRITY; anything else there is ignored.
            continue;
        }
        switch (attr) {
        case stun_attr::kMessageIntegrity:
            if (len != kStunIntegritySize) return StunParseError::BadAttribute;
            out.integrity_offset = at;
            break;
        case stun_attr::kMessageIntegritySha256:
            if (len < kIntegritySha256Min || len > kIntegritySha256Max || len % 4 != 0) {
                return StunParseError::BadAttribute;
            }
            break;
        case stun_attr::kUsername:
            if (len > kStunMaxUsernameSize) return StunParseError::BadAttribute;
            if (!seen_username) out.username = text;
            seen_username = true;
            break;
        case stun_attr::kSoftware:
            if (len > kStunMaxReasonSize) return StunParseError::BadAttribute;
            if (!seen_software) out.software = text;
            seen_software = true;
            break;
        case stun_attr::kPriority:
            if (len != 4) return StunParseError::BadAttribute;
            if (!out.priority) out.priority = load32(value.data());
            break;
        case stun_attr::kUseCandidate:
            if (len != 0) return StunParseError::BadAttribute;
            out.use_candidate = true;
            break;
        case stun_attr::kIceControlling:
            if (len != 8) return StunParseError::BadAttribute;
            if (!out.ice_controlling) out.ice_controlling = load64(value.data());
            break;
        case stun_attr::kIceControlled:
            if (len != 8) return StunParseError::BadAttribute;
            if (!out.ice_controlled) out.ice_controlled = load64(value.data());
            break;
        case stun_attr::kXorMappedAddress: {
            Address a;
            if (!decode_xor_address(value, out.transaction_id, a)) return StunParseError::BadAttribute;
            if (!out.xor_mapped_address) out.xor_mapped_address = a;
            break;
        }
        case stun_attr::kErrorCode: {
            // RFC 8489 sec. 14.8: 21 reserved bits, class (3 bits, 3..6), number (0..99), reason.
            if (len < 4 || len - 4 > kStunMaxReasonSize) return StunParseError::BadAttribute;
            const unsigned cls = value[2] & 0x07u;
            const unsigned number = value[3];
            if (cls < 3 || cls > 6 || number > 99) return StunParseError::BadAttribute;
            if (!out.error_code) {
                out.error_code = static_cast<std::uint16_t>(cls * 100 + number);
                out.error_reason = text.substr(4);
            }
            break;
        }
        default:
            if (attr < 0x8000 && !known_attribute(attr) &&
                out.unknown_required_count < StunMessage::kMaxUnknown) {
                out.unknown_required[out.unknown_required_count++] = attr;
            }
            break;
        }
    }

    if (out.fingerprint_offset != 0) {
        const std::uint32_t expected = load32(data.data() + out.fingerprint_offset + kAttrHeaderSize);
        if ((crc32_of(data.first(out.fingerprint_offset)) ^ kStunFingerprintXor) != expected) {
            return StunParseError::BadFingerprint;
        }
    }
    return StunParseError::None;
}

bool verify_message_integrity_key(std::span<const std::uint8_t> data, const StunMessage& msg,
                                  std::span<const std::uint8_t> key) noexcept {
    const std::size_t at = msg.integrity_offset;
    if (at < kStunHeaderSize || data.size() < at + kAttrHeaderSize + kStunIntegritySize) return false;
    std::array<std::uint8_t, kStunIntegritySize> mac{};
    if (!integrity_hmac(data, at, key, mac)) return false;
    return CRYPTO_memcmp(mac.data(), data.data() + at + kAttrHeaderSize, mac.size()) == 0;
}

bool verify_message_integrity(std::span<const std::uint8_t> data, const StunMessage& msg,
                              std::string_view password) noexcept {
    return verify_message_integrity_key(data, msg, as_bytes(password));
}

std::size_t build_binding_success(std::span<std::uint8_t> out, const StunTransactionId& txid,
                                  const Address& mapped, std::string_view password) noexcept {
    Writer w(out);
    w.header(stun_message_type(kStunBindingMethod, StunClass::SuccessResponse), txid);
    const std::size_t ip_size = mapped.ip_size();
    if (std::uint8_t* p = w.attribute(stun_attr::kXorMappedAddress, 4 + ip_size)) {
        std::array<std::uint8_t, 16> mask{};
        store32(mask.data(), kStunMagicCookie);
        std::memcpy(mask.data() + 4, txid.data(), txid.size());
        p[0] = 0;
        p[1] = mapped.family == Address::Family::V4 ? kFamilyV4 : kFamilyV6;
        store16(p + 2, static_cast<std::uint16_t>(mapped.port ^ (kStunMagicCookie >> 16)));
        for (std::size_t i = 0; i < ip_size; ++i)
            p[4 + i] = static_cast<std::uint8_t>(mapped.ip[i] ^ mask[i]);
    }
    if (!password.empty()) w.integrity(password);
    w.fingerprint();
    return w.ok() ? w.size() : 0;
}

std::size_t build_binding_error(std::span<std::uint8_t> out, const StunTransactionId& txid,
                                std::uint16_t code, std::string_view reason, std::string_view password,
                                std::span<const std::uint16_t> unknown) noexcept {
    if (code < 300 || code > 699) return 0;
    reason = reason.substr(0, kStunMaxReasonSize);
    Writer w(out);
    w.header(stun_message_type(kStunBindingMethod, StunClass::ErrorResponse), txid);
    if (std::uint8_t* p = w.attribute(stun_attr::kErrorCode, 4 + reason.size())) {
        p[2] = static_cast<std::uint8_t>(code / 100);
        p[3] = static_cast<std::uint8_t>(code % 100);
        if (!reason.empty()) std::memcpy(p + 4, reason.data(), reason.size());
    }
    if (!unknown.empty()) {
        if (std::uint8_t* p = w.attribute(stun_attr::kUnknownAttributes, 2 * unknown.size())) {
            for (std::size_t i = 0; i < unknown.size(); ++i) store16(p + 2 * i, unknown[i]);
        }
    }
    if (!password.empty()) w.integrity(password);
    w.fingerprint();
    return w.ok() ? w.size() : 0;
}

std::size_t build_binding_request(std::span<std::uint8_t> out, const StunTransactionId& txid,
                                  std::string_view username, std::string_view password,
                                  std::uint32_t priority, bool controlling, std::uint64_t tiebreaker,
                                  bool use_candidate) noexcept {
    if (username.size() > kStunMaxUsernameSize) return 0;
    Writer w(out);
    w.header(stun_message_type(kStunBindingMethod, StunClass::Request), txid);
    if (!username.empty()) w.bytes_attribute(stun_attr::kUsername, as_bytes(username));
    w.u32_attribute(stun_attr::kPriority, priority);
    w.u64_attribute(controlling ? stun_attr::kIceControlling : stun_attr::kIceControlled, tiebreaker);
    if (use_candidate) w.attribute(stun_attr::kUseCandidate, 0);
    if (!password.empty()) w.integrity(password);
    w.fingerprint();
    return w.ok() ? w.size() : 0;
}

} // namespace mgs::rtc
