#include "rtc/stun.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mgs::rtc {
namespace {

// RFC 5769 sec. 2.1: sample request (short-term credentials).
constexpr std::array<std::uint8_t, 108> kSampleRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

// RFC 5769 sec. 2.2: sample IPv4 response.
constexpr std::array<std::uint8_t, 80> kSampleIpv4Response = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

// RFC 5769 sec. 2.3: sample IPv6 response.
constexpr std::array<std::uint8_t, 92> kSampleIpv6Response = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

// RFC 5769 sec. 2.4: sample request with long-term credentials (no FINGERPRINT).
constexpr std::array<std::uint8_t, 116> kSampleLongTermRequest = {
    0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29,
    0xda, 0x41, 0x2e, 0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83, 0xaa, 0xe3,
    0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00, 0x00, 0x15, 0x00, 0x1c, 0x66, 0x2f, 0x2f,
    0x34, 0x39, 0x39, 0x6b, 0x39, 0x35, 0x34, 0x64, 0x36, 0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46,
    0x53, 0x54, 0x76, 0x79, 0x36, 0x34, 0x73, 0x41, 0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x08, 0x00, 0x14, 0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6,
    0x4a, 0x3e, 0x02, 0xb8, 0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66};

constexpr std::string_view kRfcPassword = "VOkJxbRl1RmTxUk/WvJxBt";
constexpr StunTransactionId kRfcTxid = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                        0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
constexpr StunTransactionId kTxid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

std::vector<std::uint8_t> bytes_of(std::span<const std::uint8_t> s) {
    return {s.begin(), s.end()};
}

TEST(StunRfc5769, SampleRequest) {
    StunMessage m;
    ASSERT_EQ(parse_stun(kSampleRequest, m), StunParseError::None);
    EXPECT_EQ(m.method, kStunBindingMethod);
    EXPECT_EQ(m.cls, StunClass::Request);
    EXPECT_EQ(m.transaction_id, kRfcTxid);
    EXPECT_EQ(m.software, "STUN test client");
    EXPECT_EQ(m.username, "evtj:h6vY");
    ASSERT_TRUE(m.priority.has_value());
    EXPECT_EQ(*m.priority, 0x6e0001ffu);
    ASSERT_TRUE(m.ice_controlled.has_value());
    EXPECT_EQ(*m.ice_controlled, 0x932ff9b151263b36ull);
    EXPECT_FALSE(m.ice_controlling.has_value());
    EXPECT_FALSE(m.use_candidate);
    EXPECT_EQ(m.integrity_offset, 76u);
    EXPECT_EQ(m.fingerprint_offset, 100u);
    EXPECT_EQ(m.unknown_required_count, 0);
    EXPECT_TRUE(verify_message_integrity(kSampleRequest, m, kRfcPassword));
    EXPECT_FALSE(verify_message_integrity(kSampleRequest, m, "VOkJxbRl1RmTxUk/WvJxBT"));
    EXPECT_FALSE(verify_message_integrity(kSampleRequest, m, ""));
}

TEST(StunRfc5769, SampleIpv4Response) {
    StunMessage m;
    ASSERT_EQ(parse_stun(kSampleIpv4Response, m), StunParseError::None);
    EXPECT_EQ(m.cls, StunClass::SuccessResponse);
    EXPECT_EQ(m.software, "test vector");
    ASSERT_TRUE(m.xor_mapped_address.has_value());
    EXPECT_EQ(*m.xor_mapped_address, Address::v4(192, 0, 2, 1, 32853));
    EXPECT_TRUE(m.has_fingerprint());
    EXPECT_TRUE(verify_message_integrity(kSampleIpv4Response, m, kRfcPassword));
    EXPECT_FALSE(verify_message_integrity(kSampleIpv4Response, m, "x"));
}

TEST(StunRfc5769, SampleIpv6Response) {
    StunMessage m;
    ASSERT_EQ(parse_stun(kSampleIpv6Response, m), StunParseError::None);
    EXPECT_EQ(m.cls, StunClass::SuccessResponse);
    ASSERT_TRUE(m.xor_mapped_address.has_value());
    const auto expected = Address::parse_ip("2001:db8:1234:5678:11:2233:4455:6677", 32853);
    ASSERT_TRUE(expected.has_value());
    EXPECT_EQ(*m.xor_mapped_address, *expected);
    EXPECT_EQ(m.xor_mapped_address->to_string(), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
    EXPECT_TRUE(verify_message_integrity(kSampleIpv6Response, m, kRfcPassword));
}

TEST(StunRfc5769, SampleLongTermRequest) {
    StunMessage m;
    ASSERT_EQ(parse_stun(kSampleLongTermRequest, m), StunParseError::None);
    EXPECT_FALSE(m.has_fingerprint());
    EXPECT_EQ(m.username, "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9");
    // RFC 8489 sec. 9.2.2: key = MD5(username ":" realm ":" SASLprep(password)); the RFC 5769
    // password "The<U+00AD>M<U+00AA>tr<U+2168>" prepares to "TheMatrIX".
    const std::string input = std::string(m.username) + ":example.org:TheMatrIX";
    std::array<std::uint8_t, 16> key{};
    unsigned int key_size = 0;
    ASSERT_EQ(EVP_Digest(input.data(), input.size(), key.data(), &key_size, EVP_md5(), nullptr), 1);
    EXPECT_TRUE(verify_message_integrity_key(kSampleLongTermRequest, m, key));
    key[0] ^= 1;
    EXPECT_FALSE(verify_message_integrity_key(kSampleLongTermRequest, m, key));
}

TEST(StunMessageType, InterleavesClassBits) {
    EXPECT_EQ(stun_message_type(kStunBindingMethod, StunClass::Request), 0x0001);
    EXPECT_EQ(stun_message_type(kStunBindingMethod, StunClass::Indication), 0x0011);
    EXPECT_EQ(stun_message_type(kStunBindingMethod, StunClass::SuccessResponse), 0x0101);
    EXPECT_EQ(stun_message_type(kStunBindingMethod, StunClass::ErrorResponse), 0x0111);
    EXPECT_EQ(stun_message_type(0x0FFF, StunClass::Request), 0x3EEF);
}

TEST(StunDemux, LooksLikeStun) {
    EXPECT_TRUE(looks_like_stun(kSampleRequest));
    EXPECT_TRUE(looks_like_stun(kSampleIpv6Response));
    auto dtls = bytes_of(kSampleRequest);
    dtls[0] = 22; // RFC 7983: 20..63 is DTLS
    EXPECT_FALSE(looks_like_stun(dtls));
    auto no_cookie = bytes_of(kSampleRequest);
    no_cookie[5] ^= 0xFF;
    EXPECT_FALSE(looks_like_stun(no_cookie));
    EXPECT_FALSE(looks_like_stun(std::span(kSampleRequest).first(19)));
    EXPECT_FALSE(looks_like_stun({}));
}

TEST(StunBuild, RequestRoundTrip) {
    std::array<std::uint8_t, kStunMaxBuiltSize> buf{};
    const std::size_t n = build_binding_request(buf, kTxid, "srvu:clnt", "a-password-of-22-chars", 0x6e0001ff,
                                                true, 0x1122334455667788ull, true);
    ASSERT_GT(n, 0u);
    const auto msg = std::span(buf).first(n);
    EXPECT_TRUE(looks_like_stun(msg));
    StunMessage m;
    ASSERT_EQ(parse_stun(msg, m), StunParseError::None);
    EXPECT_EQ(m.method, kStunBindingMethod);
    EXPECT_EQ(m.cls, StunClass::Request);
    EXPECT_EQ(m.transaction_id, kTxid);
    EXPECT_EQ(m.username, "srvu:clnt");
    EXPECT_EQ(m.priority, 0x6e0001ffu);
    EXPECT_EQ(m.ice_controlling, 0x1122334455667788ull);
    EXPECT_FALSE(m.ice_controlled.has_value());
    EXPECT_TRUE(m.use_candidate);
    EXPECT_TRUE(m.has_fingerprint());
    EXPECT_EQ(m.fingerprint_offset, n - 8);
    EXPECT_EQ(m.integrity_offset, n - 8 - 24);
    EXPECT_TRUE(verify_message_integrity(msg, m, "a-password-of-22-chars"));
    EXPECT_FALSE(verify_message_integrity(msg, m, "a-password-of-22-charz"));
}

TEST(StunBuild, ControlledRequestWithoutUseCandidate) {
    std::array<std::uint8_t, kStunMaxBuiltSize> buf{};
    const std::size_t n = build_binding_request(buf, kTxid, "a:b", "pw", 7, false, 42, false);
    ASSERT_GT(n, 0u);
    StunMessage m;
    ASSERT_EQ(parse_stun(std::span(buf).first(n), m), StunParseError::None);
    EXPECT_EQ(m.username, "a:b");
    EXPECT_EQ(m.ice_controlled, 42u);
    EXPECT_FALSE(m.ice_controlling.has_value());
    EXPECT_FALSE(m.use_candidate);
    EXPECT_TRUE(verify_message_integrity(std::span(buf).first(n), m, "pw"));
}

TEST(StunBuild, SuccessRoundTripIpv4AndIpv6) {
    const auto v6 = Address::parse_ip("2001:db8::dead:beef", 61000);
    ASSERT_TRUE(v6.has_value());
    for (const Address& mapped : {Address::v4(203, 0, 113, 7, 54321), *v6}) {
        std::array<std::uint8_t, kStunMaxBuiltSize> buf{};
        const std::size_t n = build_binding_success(buf, kTxid, mapped, "server-ice-password-123");
        ASSERT_GT(n, 0u);
        const auto msg = std::span(buf).first(n);
        StunMessage m;
        ASSERT_EQ(parse_stun(msg, m), StunParseError::None);
        EXPECT_EQ(m.cls, StunClass::SuccessResponse);
        EXPECT_EQ(m.transaction_id, kTxid);
        ASSERT_TRUE(m.xor_mapped_address.has_value());
        EXPECT_EQ(*m.xor_mapped_address, mapped);
        EXPECT_TRUE(verify_message_integrity(msg, m, "server-ice-password-123"));
        EXPECT_FALSE(verify_message_integrity(msg, m, "wrong"));
    }
}

TEST(StunBuild, SuccessMatchesRfc5769Attribute) {
    // Same transaction ID and address as RFC 5769 sec. 2.2: the XOR-MAPPED-ADDRESS bytes must match.
    std::array<std::uint8_t, kStunMaxBuiltSize> buf{};
    const std::size_t n =
        build_binding_success(buf, kRfcTxid, Address::v4(192, 0, 2, 1, 32853), kRfcPassword);
    ASSERT_EQ(n, 20u + 12 + 24 + 8);
    EXPECT_EQ(0, std::memcmp(buf.data() + 20, kSampleIpv4Response.data() + 36, 12));
}

TEST(StunBuild, ErrorResponses) {
    const std::array<std::uint16_t, 2> unknown = {0x0031, 0x7777};
    struct Case {
        std::uint16_t code;
        std::string_view reason;
        std::string_view password;
        std::span<const std::uint16_t> unknown;
    };
    for (const Case& c : {Case{400, "Bad Request", "", {}}, Case{401, "Unauthorized", "", {}},
                          Case{487, "Role Conflict", "pw-for-the-response", {}},
                          Case{420, "Unknown Attribute", "", unknown}}) {
        std::array<std::uint8_t, kStunMaxBuiltSize> buf{};
        const std::size_t n = build_binding_error(buf, kTxid, c.code, c.reason, c.password, c.unknown);
        ASSERT_GT(n, 0u) << c.code;
        const auto msg = std::span(buf).first(n);
        StunMessage m;
        ASSERT_EQ(parse_stun(msg, m), StunParseError::None) << c.code;
        EXPECT_EQ(m.cls, StunClass::ErrorResponse);
        EXPECT_EQ(m.error_code, c.code);
        EXPECT_EQ(m.error_reason, c.reason);
        EXPECT_EQ(m.has_integrity(), !c.password.empty());
        if (!c.password.empty()) {
            EXPECT_TRUE(verify_message_integrity(msg, m, c.password));
        }
    }
    std::array<std::uint8_t, kStunMaxBuiltSize> buf{};
    EXPECT_EQ(build_binding_error(buf, kTxid, 299, "x", "", {}), 0u);
    EXPECT_EQ(build_binding_error(buf, kTxid, 700, "x", "", {}), 0u);
    // An over-long reason is cut, not rejected.
    const std::string long_reason(2000, 'r');
    const std::size_t n = build_binding_error(buf, kTxid, 400, long_reason, "", {});
    ASSERT_GT(n, 0u);
    StunMessage m;
    ASSERT_EQ(parse_stun(std::span(buf).first(n), m), StunParseError::None);
    EXPECT_EQ(m.error_reason.size(), kStunMaxReasonSize);
}

TEST(StunBuild, RecordsUnknownComprehensionRequired) {
    // A request carrying an unknown comprehension-required attribute (0x0031) and an unknown
    // optional one (0xC057, as Chrome sends): the first is reported for a 420, the second skipped.
    std::vector<std::uint8_t> msg = {0x00, 0x01, 0x00, 0x10, 0x21, 0x12, 0xa4, 0x42, 1,    2,    3,    4,
                                     5,    6,    7,    8,    9,    10,   11,   12,   0x00, 0x31, 0x00, 0x01,
                                     0xAA, 0,    0,    0,    0xC0, 0x57, 0x00, 0x04, 0,    1,    0,    0};
    StunMessage m;
    ASSERT_EQ(parse_stun(msg, m), StunParseError::None);
    ASSERT_EQ(m.unknown_attributes().size(), 1u);
    EXPECT_EQ(m.unknown_attributes()[0], 0x0031);
}

TEST(StunBuild, OutputTooSmall) {
    std::array<std::uint8_t, kStunMaxBuiltSize> big{};
    const std::size_t need = build_binding_success(big, kTxid, Address::v4(1, 2, 3, 4, 5), "pw");
    ASSERT_GT(need, 0u);
    for (std::size_t size = 0; size < need; ++size) {
        std::vector<std::uint8_t> small(size);
        EXPECT_EQ(build_binding_success(small, kTxid, Address::v4(1, 2, 3, 4, 5), "pw"), 0u) << size;
    }
    std::vector<std::uint8_t> exact(need);
    EXPECT_EQ(build_binding_success(exact, kTxid, Address::v4(1, 2, 3, 4, 5), "pw"), need);
    const std::string long_user(kStunMaxUsernameSize + 1, 'u');
    EXPECT_EQ(build_binding_request(big, kTxid, long_user, "pw", 1, true, 1, false), 0u);
}

TEST(StunBuild, LongKeyIntegrityMatchesOpenSslHmac) {
    // Keys longer than the SHA-1 block (64 bytes) are hashed first (RFC 2104 sec. 2); compare with
    // OpenSSL's own HMAC.
    const std::string password(100, 'k');
    std::array<std::uint8_t, kStunMaxBuiltSize> buf{};
    const std::size_t n = build_binding_request(buf, kTxid, "a:b", password, 1, true, 2, false);
    ASSERT_GT(n, 0u);
    StunMessage m;
    ASSERT_EQ(parse_stun(std::span(buf).first(n), m), StunParseError::None);
    EXPECT_TRUE(verify_message_integrity(std::span(buf).first(n), m, password));
    std::vector<std::uint8_t> covered(buf.begin(),
                                      buf.begin() + static_cast<std::ptrdiff_t>(m.integrity_offset));
    const auto adjusted = static_cast<std::uint16_t>(m.integrity_offset + 24 - 20);
    covered[2] = static_cast<std::uint8_t>(adjusted >> 8);
    covered[3] = static_cast<std::uint8_t>(adjusted);
    std::array<std::uint8_t, 20> mac{};
    unsigned int mac_size = 0;
    ASSERT_NE(HMAC(EVP_sha1(), password.data(), static_cast<int>(password.size()), covered.data(),
                   covered.size(), mac.data(), &mac_size),
              nullptr);
    EXPECT_EQ(0, std::memcmp(mac.data(), buf.data() + m.integrity_offset + 4, 20));
}

TEST(StunReject, EveryTruncation) {
    for (const auto& vector : {bytes_of(kSampleRequest), bytes_of(kSampleIpv4Response),
                               bytes_of(kSampleIpv6Response), bytes_of(kSampleLongTermRequest)}) {
        for (std::size_t size = 0; size < vector.size(); ++size) {
            // A fresh heap copy of exactly `size` bytes, so ASan sees any read past the end.
            const std::vector<std::uint8_t> cut(vector.begin(),
                                                vector.begin() + static_cast<std::ptrdiff_t>(size));
            StunMessage m;
            EXPECT_NE(parse_stun(cut, m), StunParseError::None) << size;
        }
    }
}

TEST(StunReject, TruncationsWithFixedLength) {
    // Cut the message and also fix the length field, so the cut lands inside an attribute.
    const auto full = bytes_of(kSampleRequest);
    for (std::size_t size = kStunHeaderSize; size < full.size(); size += 1) {
        std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(size));
        const auto len = static_cast<std::uint16_t>(size - kStunHeaderSize);
        cut[2] = static_cast<std::uint8_t>(len >> 8);
        cut[3] = static_cast<std::uint8_t>(len);
        StunMessage m;
        const StunParseError e = parse_stun(cut, m);
        if (e == StunParseError::None) {
            // Only cuts at attribute boundaries before FINGERPRINT parse; they must not verify
            // unless MESSAGE-INTEGRITY is complete (it covers everything before it).
            EXPECT_EQ(size % 4, 0u);
            EXPECT_FALSE(m.has_fingerprint());
        }
    }
}

TEST(StunReject, FlippedBitsBreakFingerprint) {
    const auto good = bytes_of(kSampleIpv4Response);
    // Every bit of the message breaks it, except the FINGERPRINT attribute's own type (bytes 72..73):
    // changing that turns FINGERPRINT into some other attribute, and a message without FINGERPRINT
    // is valid (MESSAGE-INTEGRITY still protects it).
    for (std::size_t byte = 0; byte < good.size(); ++byte) {
        if (byte == 72 || byte == 73) continue;
        for (int bit = 0; bit < 8; ++bit) {
            auto bad = good;
            bad[byte] = static_cast<std::uint8_t>(bad[byte] ^ (1u << bit));
            StunMessage m;
            EXPECT_NE(parse_stun(bad, m), StunParseError::None) << byte << ":" << bit;
        }
    }
    auto bad = good;
    bad[30] ^= 0x01; // inside SOFTWARE
    StunMessage m;
    EXPECT_EQ(parse_stun(bad, m), StunParseError::BadFingerprint);
}

TEST(StunReject, FlippedBitsBreakIntegrityWithoutFingerprint) {
    // RFC 5769 sec. 2.4 has no FINGERPRINT: a flipped bit in a covered byte must fail integrity.
    StunMessage m;
    ASSERT_EQ(parse_stun(kSampleLongTermRequest, m), StunParseError::None);
    auto bad = bytes_of(kSampleLongTermRequest);
    bad[30] ^= 0x10; // inside USERNAME
    ASSERT_EQ(parse_stun(bad, m), StunParseError::None);
    const std::string input = std::string(m.username) + ":example.org:TheMatrIX";
    std::array<std::uint8_t, 16> key{};
    unsigned int key_size = 0;
    ASSERT_EQ(EVP_Digest(input.data(), input.size(), key.data(), &key_size, EVP_md5(), nullptr), 1);
    EXPECT_FALSE(verify_message_integrity_key(bad, m, key));
}

TEST(StunReject, StructuralErrors) {
    StunMessage m;
    auto msg = bytes_of(kSampleIpv4Response);
    // Top two bits of the type set.
    auto top = msg;
    top[0] |= 0x80;
    EXPECT_EQ(parse_stun(top, m), StunParseError::NotStun);
    // Length not a multiple of 4.
    auto odd = msg;
    odd[3] = 0x3b;
    EXPECT_EQ(parse_stun(odd, m), StunParseError::BadLength);
    // Trailing bytes beyond the announced length.
    auto trailing = msg;
    trailing.insert(trailing.end(), {0, 0, 0, 0});
    EXPECT_EQ(parse_stun(trailing, m), StunParseError::BadLength);
    // Attribute overrunning the message: SOFTWARE claims 0x40 bytes.
    auto overrun = msg;
    overrun[23] = 0x40;
    EXPECT_EQ(parse_stun(overrun, m), StunParseError::BadAttribute);
    // MESSAGE-INTEGRITY of the wrong size (0x10 instead of 0x14; the rest re-aligns as garbage).
    auto mi = msg;
    mi[51] = 0x10;
    EXPECT_EQ(parse_stun(mi, m), StunParseError::BadAttribute);
    // XOR-MAPPED-ADDRESS with an unknown family.
    auto family = msg;
    family[41] = 0x03;
    EXPECT_EQ(parse_stun(family, m), StunParseError::BadAttribute);
    // An attribute after FINGERPRINT.
    auto after = msg;
    after.insert(after.end(), {0x80, 0x22, 0x00, 0x00});
    after[3] = static_cast<std::uint8_t>(after[3] + 4);
    EXPECT_EQ(parse_stun(after, m), StunParseError::AfterFingerprint);
}

TEST(StunReject, WrongSizedFixedAttributes) {
    // Header + one attribute of the given type and size (zero value).
    const auto make = [](std::uint16_t type, std::uint16_t size) {
        std::vector<std::uint8_t> msg = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                                         3,    4,    5,    6,    7,    8,    9,    10,   11, 12};
        msg.push_back(static_cast<std::uint8_t>(type >> 8));
        msg.push_back(static_cast<std::uint8_t>(type));
        msg.push_back(static_cast<std::uint8_t>(size >> 8));
        msg.push_back(static_cast<std::uint8_t>(size));
        msg.resize(msg.size() + ((size + 3u) & ~3u), 0);
        const auto len = static_cast<std::uint16_t>(msg.size() - 20);
        msg[2] = static_cast<std::uint8_t>(len >> 8);
        msg[3] = static_cast<std::uint8_t>(len);
        return msg;
    };
    StunMessage m;
    EXPECT_EQ(parse_stun(make(stun_attr::kPriority, 4), m), StunParseError::None);
    EXPECT_EQ(parse_stun(make(stun_attr::kPriority, 8), m), StunParseError::BadAttribute);
    EXPECT_EQ(parse_stun(make(stun_attr::kIceControlling, 4), m), StunParseError::BadAttribute);
    EXPECT_EQ(parse_stun(make(stun_attr::kIceControlled, 12), m), StunParseError::BadAttribute);
    EXPECT_EQ(parse_stun(make(stun_attr::kUseCandidate, 4), m), StunParseError::BadAttribute);
    EXPECT_EQ(parse_stun(make(stun_attr::kMessageIntegrity, 16), m), StunParseError::BadAttribute);
    EXPECT_EQ(parse_stun(make(stun_attr::kFingerprint, 8), m), StunParseError::BadAttribute);
    EXPECT_EQ(parse_stun(make(stun_attr::kUsername, 514), m), StunParseError::BadAttribute);
    EXPECT_EQ(parse_stun(make(stun_attr::kUsername, 513), m), StunParseError::None);
    EXPECT_EQ(parse_stun(make(stun_attr::kXorMappedAddress, 12), m), StunParseError::BadAttribute);
    EXPECT_EQ(parse_stun(make(stun_attr::kErrorCode, 2), m), StunParseError::BadAttribute);
    // ERROR-CODE class 0 is out of range (3..6).
    EXPECT_EQ(parse_stun(make(stun_attr::kErrorCode, 4), m), StunParseError::BadAttribute);
    // An unknown comprehension-optional attribute is skipped.
    EXPECT_EQ(parse_stun(make(0xC001, 3), m), StunParseError::None);
    EXPECT_EQ(m.unknown_required_count, 0);
    // A FINGERPRINT with a wrong CRC.
    EXPECT_EQ(parse_stun(make(stun_attr::kFingerprint, 4), m), StunParseError::BadFingerprint);
}

TEST(StunReject, IntegrityAbsentOrForeign) {
    std::array<std::uint8_t, kStunMaxBuiltSize> buf{};
    const std::size_t n = build_binding_request(buf, kTxid, "a:b", "", 1, true, 2, false);
    ASSERT_GT(n, 0u);
    StunMessage m;
    ASSERT_EQ(parse_stun(std::span(buf).first(n), m), StunParseError::None);
    EXPECT_FALSE(m.has_integrity());
    EXPECT_FALSE(verify_message_integrity(std::span(buf).first(n), m, ""));
    EXPECT_FALSE(verify_message_integrity(std::span(buf).first(n), m, "pw"));
    // A message object whose offset does not fit the data it is checked against.
    StunMessage fake;
    fake.integrity_offset = 1000;
    EXPECT_FALSE(verify_message_integrity(std::span(buf).first(n), fake, "pw"));
}

TEST(StunReject, Garbage) {
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    const auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    int parsed = 0;
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint8_t> msg(static_cast<std::size_t>(next() % 128));
        for (auto& b : msg) b = static_cast<std::uint8_t>(next());
        if (msg.size() >= 8 && i % 2 == 0) {
            // Half the inputs get a valid-looking header so the attribute walk is exercised.
            msg[0] &= 0x01;
            msg[4] = 0x21, msg[5] = 0x12, msg[6] = 0xa4, msg[7] = 0x42;
            if (msg.size() >= 20) {
                const auto len = static_cast<std::uint16_t>((msg.size() - 20) & ~std::size_t{3});
                msg.resize(20 + len);
                msg[2] = static_cast<std::uint8_t>(len >> 8);
                msg[3] = static_cast<std::uint8_t>(len);
            }
        }
        StunMessage m;
        if (parse_stun(msg, m) == StunParseError::None) {
            ++parsed;
            EXPECT_FALSE(verify_message_integrity(msg, m, "pw"));
        }
    }
    EXPECT_LT(parsed, 20000);
    const std::array<std::uint8_t, 4> tiny = {0, 1, 0, 0};
    StunMessage m;
    EXPECT_EQ(parse_stun(tiny, m), StunParseError::NotStun);
    EXPECT_EQ(to_string(StunParseError::BadFingerprint), "bad_fingerprint");
}

} // namespace
} // namespace mgs::rtc
