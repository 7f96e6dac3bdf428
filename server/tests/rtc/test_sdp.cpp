#include "rtc/sdp.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace mgs::rtc {
namespace {

// What Chromium sends for createDataChannel() + createOffer() once a couple of candidates were
// gathered (host candidate hidden behind an mDNS name, as Chrome does by default).
constexpr std::string_view kChromeOffer =
    "v=0\r\n"
    "o=- 4215775240449105457 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=candidate:3495429015 1 udp 2113937151 a3b4e4f2-6a3c-4a0b-9d7e-5c1d2e3f4a5b.local 54321 typ host "
    "generation 0 network-cost 999\r\n"
    "a=candidate:842163049 1 udp 1677729535 203.0.113.45 54321 typ srflx raddr 0.0.0.0 rport 0 generation 0 "
    "network-cost 999\r\n"
    "a=ice-ufrag:Xk3Z\r\n"
    "a=ice-pwd:o4c8Rz1T9dGb5pWq2YvLmN7s\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";

// Firefox: fingerprint and ice-options at session level, upper-case transports, a TCP candidate.
constexpr std::string_view kFirefoxOffer =
    "v=0\r\n"
    "o=mozilla...THIS_IS_SDPARTA-99.0 3781224896386478291 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=sendrecv\r\n"
    "a=fingerprint:sha-256 "
    "E5:0B:43:10:5A:9C:21:7E:3B:66:F1:08:DA:4C:92:B7:1E:5F:60:83:C4:2D:99:AF:17:3E:48:B2:C5:0D:6A:F1\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=ice-options:trickle\r\n"
    "a=msid-semantic:WMS *\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=candidate:0 1 UDP 2122252543 192.168.1.20 55013 typ host\r\n"
    "a=candidate:2 1 TCP 2105524479 192.168.1.20 9 typ host tcptype active\r\n"
    "a=candidate:1 1 UDP 1686052863 198.51.100.7 55013 typ srflx raddr 192.168.1.20 rport 55013\r\n"
    "a=sendrecv\r\n"
    "a=end-of-candidates\r\n"
    "a=ice-pwd:1b5e3a0c9f8d7e6a5b4c3d2e1f0a9b8c\r\n"
    "a=ice-ufrag:6f1c2a3b\r\n"
    "a=mid:0\r\n"
    "a=setup:actpass\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:1073741823\r\n";

// libdatachannel (node-datachannel): ICE and DTLS attributes at session level, ice2 option,
// IPv4 and IPv6 host candidates in the offer.
constexpr std::string_view kLibdatachannelOffer =
    "v=0\r\n"
    "o=rtc 2947616393 0 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=group:LS 0\r\n"
    "a=msid-semantic:WMS *\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:PK1M\r\n"
    "a=ice-pwd:zkvW1KxDdgTqz0QzXqHxGY\r\n"
    "a=ice-options:ice2,trickle\r\n"
    "a=fingerprint:sha-256 "
    "0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0:0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\n"
    "a=sendrecv\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n"
    "a=candidate:1 1 UDP 2122317823 192.168.1.10 49152 typ host\r\n"
    "a=candidate:2 1 UDP 2122317567 fd00::1:2 49153 typ host\r\n"
    "a=end-of-candidates\r\n";

// The pre-RFC 8841 form some older stacks still send.
constexpr std::string_view kLegacyOffer =
    "v=0\n"
    "o=- 1 1 IN IP4 127.0.0.1\n"
    "s=-\n"
    "t=0 0\n"
    "m=application 9 DTLS/SCTP 5001\n"
    "c=IN IP4 0.0.0.0\n"
    "a=ice-ufrag:abcd\n"
    "a=ice-pwd:abcdefghijklmnopqrstuv\n"
    "a=fingerprint:sha-256 "
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:"
    "99:AA:BB:CC:DD:EE:FF\n"
    "a=setup:active\n"
    "a=mid:data\n"
    "a=sctpmap:5001 webrtc-datachannel 1024\n";

std::string replace(std::string_view text, std::string_view from, std::string_view to) {
    std::string s(text);
    const std::size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
}

std::string parse_error(std::string_view text) {
    SessionDescription d;
    std::string error;
    EXPECT_FALSE(parse_sdp(text, d, error));
    return error;
}

TEST(SdpParse, ChromeOffer) {
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(kChromeOffer, d, error)) << error;
    EXPECT_EQ(d.ice_ufrag, "Xk3Z");
    EXPECT_EQ(d.ice_pwd, "o4c8Rz1T9dGb5pWq2YvLmN7s");
    EXPECT_FALSE(d.ice_lite);
    EXPECT_EQ(
        format_fingerprint(d.fingerprint_sha256),
        "7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08");
    EXPECT_EQ(d.setup, "actpass");
    EXPECT_EQ(d.mid, "0");
    EXPECT_EQ(d.sctp_port, 5000);
    EXPECT_EQ(d.max_message_size, 262144u);
    EXPECT_EQ(d.session_id, 4215775240449105457ull);
    // The mDNS host candidate is skipped; the srflx one is kept.
    ASSERT_EQ(d.candidates.size(), 1u);
    EXPECT_EQ(d.candidates[0].address, Address::v4(203, 0, 113, 45, 54321));
    EXPECT_EQ(d.candidates[0].priority, 1677729535u);
    EXPECT_EQ(d.candidates[0].foundation, "842163049");
    EXPECT_EQ(d.candidates[0].type, "srflx");
}

TEST(SdpParse, FirefoxOffer) {
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(kFirefoxOffer, d, error)) << error;
    EXPECT_EQ(d.ice_ufrag, "6f1c2a3b");
    EXPECT_EQ(d.ice_pwd, "1b5e3a0c9f8d7e6a5b4c3d2e1f0a9b8c");
    EXPECT_EQ(d.fingerprint_sha256[0], 0xE5);
    EXPECT_EQ(d.fingerprint_sha256[31], 0xF1);
    EXPECT_EQ(d.setup, "actpass");
    EXPECT_EQ(d.max_message_size, 1073741823u);
    EXPECT_EQ(d.session_id, 3781224896386478291ull);
    // The TCP candidate is skipped.
    ASSERT_EQ(d.candidates.size(), 2u);
    EXPECT_EQ(d.candidates[0].address, Address::v4(192, 168, 1, 20, 55013));
    EXPECT_EQ(d.candidates[0].type, "host");
    EXPECT_EQ(d.candidates[1].address, Address::v4(198, 51, 100, 7, 55013));
    EXPECT_EQ(d.candidates[1].type, "srflx");
}

TEST(SdpParse, LibdatachannelOffer) {
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(kLibdatachannelOffer, d, error)) << error;
    EXPECT_EQ(d.ice_ufrag, "PK1M");
    EXPECT_EQ(d.ice_pwd, "zkvW1KxDdgTqz0QzXqHxGY");
    EXPECT_EQ(d.setup, "actpass");
    EXPECT_EQ(d.session_id, 2947616393u);
    ASSERT_EQ(d.candidates.size(), 2u);
    EXPECT_EQ(d.candidates[1].address.family, Address::Family::V6);
    EXPECT_EQ(d.candidates[1].address.to_string(), "[fd00::1:2]:49153");
    EXPECT_EQ(d.candidates[1].priority, 2122317567u);
}

TEST(SdpParse, LegacySctpmapForm) {
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(kLegacyOffer, d, error)) << error;
    EXPECT_EQ(d.sctp_port, 5001);
    EXPECT_EQ(d.mid, "data");
    EXPECT_EQ(d.setup, "active");
    EXPECT_EQ(d.max_message_size, kSdpDefaultMaxMessageSize); // absent: 64 KiB (RFC 8841)
    // Without a=sctpmap the port comes from the m= line's format.
    ASSERT_TRUE(parse_sdp(replace(kLegacyOffer, "a=sctpmap:5001 webrtc-datachannel 1024\n", ""), d, error));
    EXPECT_EQ(d.sctp_port, 5001);
}

TEST(SdpParse, LfAndCrlfGiveTheSameResult) {
    std::string lf(kChromeOffer);
    for (std::size_t at = lf.find("\r\n"); at != std::string::npos; at = lf.find("\r\n", at)) lf.erase(at, 1);
    ASSERT_EQ(lf.find('\r'), std::string::npos);
    SessionDescription a;
    SessionDescription b;
    std::string error;
    ASSERT_TRUE(parse_sdp(kChromeOffer, a, error)) << error;
    ASSERT_TRUE(parse_sdp(lf, b, error)) << error;
    EXPECT_EQ(a.ice_ufrag, b.ice_ufrag);
    EXPECT_EQ(a.ice_pwd, b.ice_pwd);
    EXPECT_EQ(a.fingerprint_sha256, b.fingerprint_sha256);
    EXPECT_EQ(a.max_message_size, b.max_message_size);
    EXPECT_EQ(a.candidates.size(), b.candidates.size());
    // No trailing newline at all also works.
    std::string no_final(lf);
    no_final.pop_back();
    ASSERT_TRUE(parse_sdp(no_final, b, error)) << error;
    EXPECT_EQ(b.max_message_size, 262144u);
}

TEST(SdpParse, MediaLevelWinsOverSessionLevel) {
    const std::string text =
        replace(kLibdatachannelOffer, "a=mid:0\r\n", "a=mid:0\r\na=ice-ufrag:MEDIA\r\na=setup:passive\r\n");
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(text, d, error)) << error;
    EXPECT_EQ(d.ice_ufrag, "MEDIA");
    EXPECT_EQ(d.setup, "passive");
    EXPECT_EQ(d.ice_pwd, "zkvW1KxDdgTqz0QzXqHxGY"); // from session level
}

TEST(SdpParse, OtherMediaSectionsAreIgnored) {
    // An audio section first (its attributes must not leak into the data channel's), then the
    // data section, then a second application section that must not override the first.
    const std::string text = replace(kChromeOffer, "m=application",
                                     "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                                     "a=ice-ufrag:AUDIO\r\n"
                                     "a=mid:audio\r\n"
                                     "a=candidate:9 1 udp 1 10.9.9.9 9 typ host\r\n"
                                     "m=application") +
                             "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                             "a=ice-ufrag:LATER\r\n"
                             "a=mid:1\r\n";
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(text, d, error)) << error;
    EXPECT_EQ(d.ice_ufrag, "Xk3Z");
    EXPECT_EQ(d.mid, "0");
    EXPECT_EQ(d.candidates.size(), 1u);
}

TEST(SdpParse, SkipsApplicationSectionsThatAreNotDataChannels) {
    const std::string text =
        replace(kChromeOffer, "m=application", "m=application 9 UDP/BFCP *\r\nm=application");
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(text, d, error)) << error;
    EXPECT_EQ(parse_error(replace(kChromeOffer, "UDP/DTLS/SCTP webrtc-datachannel", "UDP/BFCP *")),
              "no m=application section");
    EXPECT_EQ(parse_error(replace(kChromeOffer, "webrtc-datachannel", "something-else")),
              "no m=application section");
}

TEST(SdpParse, FingerprintAmongSeveralHashes) {
    const std::string text =
        replace(kChromeOffer, "a=fingerprint:sha-256",
                "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n"
                "a=fingerprint:SHA-256");
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(text, d, error)) << error;
    EXPECT_EQ(d.fingerprint_sha256[0], 0x7B);
}

TEST(SdpParse, MaxMessageSizeZeroAndHuge) {
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(replace(kChromeOffer, "max-message-size:262144", "max-message-size:0"), d, error));
    EXPECT_EQ(d.max_message_size, 0u);
    ASSERT_TRUE(parse_sdp(
        replace(kChromeOffer, "max-message-size:262144", "max-message-size:99999999999999999999999"), d,
        error));
    EXPECT_EQ(d.max_message_size, 0xFFFFFFFFu);
    ASSERT_TRUE(parse_sdp(replace(kChromeOffer, "a=max-message-size:262144\r\n", ""), d, error));
    EXPECT_EQ(d.max_message_size, 65536u);
}

TEST(SdpErrors, EachMissingOrInvalidField) {
    struct Case {
        std::string text;
        std::string_view error;
    };
    const std::string_view fp =
        "a=fingerprint:sha-256 "
        "7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:"
        "2C:19:08\r\n";
    const Case cases[] = {
        {"", "not an SDP (missing v=0)"},
        {"hello world", "not an SDP (missing v=0)"},
        {"{\"type\":\"offer\"}", "not an SDP (missing v=0)"},
        {replace(kChromeOffer, "v=0", "v=1"), "not an SDP (missing v=0)"},
        {replace(kChromeOffer, "s=-", "garbage"), "malformed line"},
        {replace(kChromeOffer, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
                 "m=audio 9 UDP/TLS/RTP/SAVPF 111"),
         "no m=application section"},
        {"v=0\r\ns=-\r\n", "no m=application section"},
        {replace(kChromeOffer, "m=application 9", "m=application x"), "invalid m=application line"},
        {replace(kChromeOffer, "a=ice-ufrag:Xk3Z\r\n", ""), "missing a=ice-ufrag"},
        {replace(kChromeOffer, "a=ice-ufrag:Xk3Z", "a=ice-ufrag:Xk:3Z"), "invalid a=ice-ufrag"},
        {replace(kChromeOffer, "a=ice-ufrag:Xk3Z", "a=ice-ufrag:"), "invalid a=ice-ufrag"},
        {replace(kChromeOffer, "a=ice-ufrag:Xk3Z", "a=ice-ufrag:" + std::string(257, 'u')),
         "invalid a=ice-ufrag"},
        {replace(kChromeOffer, "a=ice-pwd:o4c8Rz1T9dGb5pWq2YvLmN7s\r\n", ""), "missing a=ice-pwd"},
        {replace(kChromeOffer, "a=ice-pwd:o4c8Rz1T9dGb5pWq2YvLmN7s", "a=ice-pwd:o4c8Rz1T9d Gb5pWq2YvLmN7s"),
         "invalid a=ice-pwd"},
        {replace(kChromeOffer, fp, ""), "missing a=fingerprint"},
        {replace(kChromeOffer, fp,
                 "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n"),
         "fingerprint must be sha-256"},
        {replace(kChromeOffer, "7B:8B:F0", "7B:8B:G0"), "invalid a=fingerprint"},
        {replace(kChromeOffer, "7B:8B:F0:", ""), "invalid a=fingerprint"},
        {replace(kChromeOffer, "7B:8B:F0", "7B-8B-F0"), "invalid a=fingerprint"},
        {replace(kChromeOffer, "a=setup:actpass", "a=setup:holdconn"), "invalid a=setup"},
        {replace(kChromeOffer, "a=mid:0", "a=mid:"), "invalid a=mid"},
        {replace(kChromeOffer, "a=sctp-port:5000", "a=sctp-port:0"), "invalid a=sctp-port"},
        {replace(kChromeOffer, "a=sctp-port:5000", "a=sctp-port:70000"), "invalid a=sctp-port"},
        {replace(kChromeOffer, "a=sctp-port:5000", "a=sctp-port:-1"), "invalid a=sctp-port"},
        {replace(kChromeOffer, "a=max-message-size:262144", "a=max-message-size:lots"),
         "invalid a=max-message-size"},
        {replace(kChromeOffer, "a=max-message-size:262144", "a=max-message-size:-5"),
         "invalid a=max-message-size"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(parse_error(c.text), c.error) << c.text;
    }
}

TEST(SdpErrors, SizeLimits) {
    std::string big(kChromeOffer);
    big += "a=x:" + std::string(kSdpMaxSize, 'x') + "\r\n";
    EXPECT_EQ(parse_error(big), "SDP too large");
    std::string long_line(kChromeOffer);
    long_line += "a=x:" + std::string(kSdpMaxLineSize, 'x') + "\r\n";
    EXPECT_EQ(parse_error(long_line), "line too long");
    // Exactly at the line limit is fine.
    std::string at_limit(kChromeOffer);
    at_limit += "a=x:" + std::string(kSdpMaxLineSize - 4, 'x') + "\r\n";
    SessionDescription d;
    std::string error;
    EXPECT_TRUE(parse_sdp(at_limit, d, error)) << error;
}

TEST(SdpParse, CandidateCountIsBounded) {
    std::string text(kChromeOffer);
    for (int i = 0; i < 100; ++i) {
        text += "a=candidate:" + std::to_string(i) + " 1 udp 1 10.0.0." + std::to_string(i % 250) +
                " 9 typ host\r\n";
    }
    SessionDescription d;
    std::string error;
    ASSERT_TRUE(parse_sdp(text, d, error)) << error;
    EXPECT_EQ(d.candidates.size(), kSdpMaxCandidates);
}

TEST(SdpCandidate, TrickledForms) {
    IceCandidate c;
    ASSERT_TRUE(
        parse_candidate("candidate:1 1 udp 2122260223 192.0.2.5 61000 typ host generation 0 ufrag Xk3Z", c));
    EXPECT_EQ(c.address, Address::v4(192, 0, 2, 5, 61000));
    EXPECT_EQ(c.priority, 2122260223u);
    EXPECT_EQ(c.foundation, "1");
    EXPECT_EQ(c.type, "host");
    ASSERT_TRUE(
        parse_candidate("a=candidate:abc+/ 1 UDP 7 2001:db8::5 1 typ relay raddr 1.2.3.4 rport 5\r", c));
    EXPECT_EQ(c.address.to_string(), "[2001:db8::5]:1");
    EXPECT_EQ(c.foundation, "abc+/");
    EXPECT_EQ(c.type, "relay");
    ASSERT_TRUE(parse_candidate("candidate:1 1 udp 7 ::1 9 typ host", c));
    EXPECT_EQ(c.address.family, Address::Family::V6);
}

TEST(SdpCandidate, Rejects) {
    IceCandidate c;
    for (const std::string_view text : {
             "",
             "candidate:",
             "candidate:1 1 udp 7 192.0.2.5 61000 typ",                 // no type
             "candidate:1 1 udp 7 192.0.2.5 61000 host",                // no "typ"
             "candidate:1 1 tcp 7 192.0.2.5 9 typ host tcptype active", // TCP
             "candidate:1 2 udp 7 192.0.2.5 61000 typ host",            // RTCP component
             "candidate:1 1 udp 7 4f1d2c3b-1111-2222-3333-444455556666.local 61000 typ host", // mDNS
             "candidate:1 1 udp 7 example.com 61000 typ host",                                // host name
             "candidate:1 1 udp 7 192.0.2.5 70000 typ host",                                  // port
             "candidate:1 1 udp 4294967296 192.0.2.5 1 typ host",                        // priority overflow
             "candidate:1 1 udp -7 192.0.2.5 1 typ host",                                // sign
             "candidate:f:o 1 udp 7 192.0.2.5 1 typ host",                               // foundation char
             "candidate:123456789012345678901234567890123 1 udp 7 192.0.2.5 1 typ host", // foundation size
             "candidate:1 1 udp 7 192.0.2.5 1 typ h.st",                                 // type char
             "cand:1 1 udp 7 192.0.2.5 1 typ host",
             "candidate:1 1 udp 7 256.0.2.5 1 typ host",
         }) {
        EXPECT_FALSE(parse_candidate(text, c)) << text;
    }
}

TEST(SdpFingerprint, FormatAndParse) {
    std::array<std::uint8_t, 32> fp{};
    for (std::size_t i = 0; i < fp.size(); ++i) fp[i] = static_cast<std::uint8_t>(i * 8 + 1);
    const std::string text = format_fingerprint(fp);
    EXPECT_EQ(text.size(), 95u);
    EXPECT_EQ(text.substr(0, 9), "01:09:11:");
    std::array<std::uint8_t, 32> back{};
    ASSERT_TRUE(parse_fingerprint(text, back));
    EXPECT_EQ(back, fp);
    std::string lower = text;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ASSERT_TRUE(parse_fingerprint(lower, back));
    EXPECT_EQ(back, fp);
    EXPECT_FALSE(parse_fingerprint(text.substr(0, 94), back));
    EXPECT_FALSE(parse_fingerprint(text + ":", back));
    EXPECT_FALSE(parse_fingerprint("", back));
}

SessionDescription server_answer() {
    SessionDescription d;
    d.ice_ufrag = "srv1";
    d.ice_pwd = "server+password/1234567";
    d.ice_lite = true;
    for (std::size_t i = 0; i < d.fingerprint_sha256.size(); ++i) {
        d.fingerprint_sha256[i] = static_cast<std::uint8_t>(255 - i);
    }
    d.setup = "passive";
    d.mid = "0";
    d.sctp_port = 5000;
    d.max_message_size = 262144;
    d.session_id = 0xFEDCBA9876543210ull;
    d.candidates.push_back({Address::v4(203, 0, 113, 9, 7000), 2130706431, "1", "host"});
    d.candidates.push_back({*Address::parse_ip("2001:db8::9", 7000), 2130706175, "2", "host"});
    return d;
}

TEST(SdpWrite, AnswerRoundTrip) {
    const SessionDescription d = server_answer();
    const std::string text = write_sdp(d, false);
    EXPECT_EQ(text.substr(0, 5), "v=0\r\n");
    EXPECT_NE(text.find("\r\na=ice-lite\r\n"), std::string::npos);
    EXPECT_NE(text.find("\r\na=group:BUNDLE 0\r\n"), std::string::npos);
    EXPECT_NE(text.find("\r\na=msid-semantic: WMS\r\n"), std::string::npos);
    EXPECT_NE(text.find("\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"),
              std::string::npos);
    EXPECT_EQ(text.find("ice-options"), std::string::npos); // answers do not trickle
    EXPECT_NE(text.find("\r\na=candidate:1 1 udp 2130706431 203.0.113.9 7000 typ host\r\n"),
              std::string::npos);
    EXPECT_NE(text.find("\r\na=candidate:2 1 udp 2130706175 2001:db8::9 7000 typ host\r\n"),
              std::string::npos);
    EXPECT_EQ(text.substr(text.size() - 21), "a=end-of-candidates\r\n");
    // ice-lite is a session-level attribute (RFC 8839 sec. 5.3): before the m= line.
    EXPECT_LT(text.find("a=ice-lite"), text.find("m=application"));
    for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
        ASSERT_GT(at, 0u);
        EXPECT_EQ(text[at - 1], '\r');
    }

    SessionDescription back;
    std::string error;
    ASSERT_TRUE(parse_sdp(text, back, error)) << error;
    EXPECT_EQ(back.ice_ufrag, d.ice_ufrag);
    EXPECT_EQ(back.ice_pwd, d.ice_pwd);
    EXPECT_TRUE(back.ice_lite);
    EXPECT_EQ(back.fingerprint_sha256, d.fingerprint_sha256);
    EXPECT_EQ(back.setup, "passive");
    EXPECT_EQ(back.mid, "0");
    EXPECT_EQ(back.sctp_port, 5000);
    EXPECT_EQ(back.max_message_size, 262144u);
    EXPECT_EQ(back.session_id, d.session_id);
    ASSERT_EQ(back.candidates.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(back.candidates[i].address, d.candidates[i].address);
        EXPECT_EQ(back.candidates[i].priority, d.candidates[i].priority);
        EXPECT_EQ(back.candidates[i].foundation, d.candidates[i].foundation);
        EXPECT_EQ(back.candidates[i].type, d.candidates[i].type);
    }
}

TEST(SdpWrite, OfferRoundTrip) {
    SessionDescription d = server_answer();
    d.ice_lite = false;
    d.setup = "actpass";
    d.mid = "data";
    d.sctp_port = 5001;
    const std::string text = write_sdp(d, true);
    EXPECT_NE(text.find("\r\na=ice-options:trickle\r\n"), std::string::npos);
    EXPECT_EQ(text.find("ice-lite"), std::string::npos);
    EXPECT_NE(text.find("a=group:BUNDLE data\r\n"), std::string::npos);
    SessionDescription back;
    std::string error;
    ASSERT_TRUE(parse_sdp(text, back, error)) << error;
    EXPECT_FALSE(back.ice_lite);
    EXPECT_EQ(back.setup, "actpass");
    EXPECT_EQ(back.mid, "data");
    EXPECT_EQ(back.sctp_port, 5001);
}

TEST(SdpWrite, ParsedOffersRoundTrip) {
    for (const std::string_view offer : {kChromeOffer, kFirefoxOffer, kLibdatachannelOffer, kLegacyOffer}) {
        SessionDescription a;
        std::string error;
        ASSERT_TRUE(parse_sdp(offer, a, error)) << error;
        SessionDescription b;
        ASSERT_TRUE(parse_sdp(write_sdp(a, true), b, error)) << error;
        EXPECT_EQ(a.ice_ufrag, b.ice_ufrag);
        EXPECT_EQ(a.ice_pwd, b.ice_pwd);
        EXPECT_EQ(a.fingerprint_sha256, b.fingerprint_sha256);
        EXPECT_EQ(a.setup, b.setup);
        EXPECT_EQ(a.mid, b.mid);
        EXPECT_EQ(a.sctp_port, b.sctp_port);
        EXPECT_EQ(a.max_message_size, b.max_message_size);
        EXPECT_EQ(a.session_id, b.session_id);
        EXPECT_EQ(a.candidates.size(), b.candidates.size());
    }
}

TEST(SdpWrite, EmptySetupIsOmitted) {
    SessionDescription d = server_answer();
    d.setup.clear();
    const std::string text = write_sdp(d, false);
    EXPECT_EQ(text.find("a=setup"), std::string::npos);
    SessionDescription back;
    std::string error;
    ASSERT_TRUE(parse_sdp(text, back, error)) << error;
    EXPECT_TRUE(back.setup.empty());
}

} // namespace
} // namespace mgs::rtc
