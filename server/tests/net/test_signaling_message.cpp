#include "net/signaling_message.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace mgs::net {
namespace {

constexpr std::size_t kMax = 16 * 1024;

SignalingError expect_error(std::string_view text, std::size_t max_bytes = kMax) {
    const auto r = parse_client_message(text, max_bytes);
    EXPECT_TRUE(std::holds_alternative<SignalingError>(r)) << text;
    if (const auto* e = std::get_if<SignalingError>(&r)) return *e;
    return {};
}

void expect_bad_request(std::string_view text, std::string_view message) {
    const SignalingError e = expect_error(text);
    EXPECT_EQ(e.code, "bad_request") << text;
    EXPECT_EQ(e.message, message) << text;
}

JoinRequest expect_join(std::string_view text) {
    const auto r = parse_client_message(text, kMax);
    if (const auto* e = std::get_if<SignalingError>(&r)) {
        ADD_FAILURE() << text << " -> " << e->code << ": " << e->message;
        return {};
    }
    const auto& m = std::get<ClientMessage>(r);
    EXPECT_TRUE(std::holds_alternative<JoinRequest>(m));
    return std::holds_alternative<JoinRequest>(m) ? std::get<JoinRequest>(m) : JoinRequest{};
}

TEST(SignalingParse, JoinWebrtc) {
    const JoinRequest j = expect_join(
        R"({"type":"join","name":"Alice","team":"red","offer":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n","extra":[1,2]})");
    EXPECT_EQ(j.name, "Alice");
    EXPECT_EQ(j.team, "red");
    EXPECT_EQ(j.offer_sdp, "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n");
    EXPECT_FALSE(j.websocket_transport);
    EXPECT_FALSE(j.spectate);
    EXPECT_TRUE(j.resume_token.empty());
}

TEST(SignalingParse, JoinDefaultsAndOptionalFields) {
    JoinRequest j = expect_join(R"({"type":"join","name":"Bob","offer":"v=0"})");
    EXPECT_EQ(j.team, "auto");
    j = expect_join(
        R"({"type":"join","name":"  Bob  ","team":"blue","resume":"tok-123","transport":"webrtc","offer":"v=0","spectate":true})");
    EXPECT_EQ(j.name, "Bob");
    EXPECT_EQ(j.team, "blue");
    EXPECT_EQ(j.resume_token, "tok-123");
    EXPECT_TRUE(j.spectate);
    // null counts as absent for optional fields.
    j = expect_join(
        R"({"type":"join","name":"Bob","team":null,"resume":null,"offer":"v=0","spectate":null})");
    EXPECT_EQ(j.team, "auto");
}

TEST(SignalingParse, JoinWebsocketNeedsNoOffer) {
    JoinRequest j = expect_join(R"({"type":"join","name":"Carol","transport":"websocket"})");
    EXPECT_TRUE(j.websocket_transport);
    EXPECT_TRUE(j.offer_sdp.empty());
    j = expect_join(R"({"type":"join","name":"Carol","transport":"websocket","offer":"ignored"})");
    EXPECT_TRUE(j.offer_sdp.empty());
}

TEST(SignalingParse, UnicodeNames) {
    // 16 code points of multi-byte UTF-8 are fine; 17 are not.
    EXPECT_EQ(expect_join(R"({"type":"join","name":"Zoë","offer":"x"})").name, "Zoë");
    EXPECT_EQ(expect_join(R"({"type":"join","name":"日本語の名前です日本語の名前です","offer":"x"})").name,
              "日本語の名前です日本語の名前です");
    expect_bad_request(R"({"type":"join","name":"日本語の名前です日本語の名前です日","offer":"x"})",
                       "name is longer than 16 characters");
    EXPECT_EQ(expect_join(R"({"type":"join","name":"🙂🙂","offer":"x"})").name, "🙂🙂");
    EXPECT_EQ(expect_join(R"({"type":"join","name":"\u00e9t\u00e9","offer":"x"})").name, "été");
    EXPECT_EQ(expect_join(R"({"type":"join","name":"abcdefghijklmnop","offer":"x"})").name,
              "abcdefghijklmnop");
    expect_bad_request(R"({"type":"join","name":"abcdefghijklmnopq","offer":"x"})",
                       "name is longer than 16 characters");
    // Trimming happens before counting.
    EXPECT_EQ(expect_join(R"({"type":"join","name":"   abcdefghijklmnop   ","offer":"x"})").name,
              "abcdefghijklmnop");
}

TEST(SignalingParse, JoinErrors) {
    expect_bad_request(R"({"type":"join","offer":"x"})", "missing name");
    expect_bad_request(R"({"type":"join","name":null,"offer":"x"})", "missing name");
    expect_bad_request(R"({"type":"join","name":42,"offer":"x"})", "name must be a string");
    expect_bad_request(R"({"type":"join","name":["a"],"offer":"x"})", "name must be a string");
    expect_bad_request(R"({"type":"join","name":"","offer":"x"})", "name is empty");
    expect_bad_request(R"({"type":"join","name":"    ","offer":"x"})", "name is empty");
    expect_bad_request(R"({"type":"join","name":"a\nb","offer":"x"})",
                       "name contains control or invisible characters");
    expect_bad_request(R"({"type":"join","name":"a\tb","offer":"x"})",
                       "name contains control or invisible characters");
    expect_bad_request(R"({"type":"join","name":"a\u0000b","offer":"x"})",
                       "name contains control or invisible characters");
    expect_bad_request(R"({"type":"join","name":"a\u007fb","offer":"x"})",
                       "name contains control or invisible characters");
    expect_bad_request(R"({"type":"join","name":"a\u0085b","offer":"x"})",
                       "name contains control or invisible characters");
    expect_bad_request(R"({"type":"join","name":"ad\u200bmin","offer":"x"})",
                       "name contains control or invisible characters");
    expect_bad_request(R"({"type":"join","name":"\u202eevil","offer":"x"})",
                       "name contains control or invisible characters");
    expect_bad_request(R"({"type":"join","name":"Bob","team":"green","offer":"x"})",
                       "team must be auto, red or blue");
    expect_bad_request(R"({"type":"join","name":"Bob","team":1,"offer":"x"})", "team must be a string");
    expect_bad_request(R"({"type":"join","name":"Bob","resume":7,"offer":"x"})", "resume must be a string");
    expect_bad_request(R"({"type":"join","name":"Bob","resume":")" + std::string(200, 'r') +
                           R"(","offer":"x"})",
                       "resume token too long");
    expect_bad_request(R"({"type":"join","name":"Bob"})",
                       "missing offer (required for the webrtc transport)");
    expect_bad_request(R"({"type":"join","name":"Bob","offer":""})",
                       "missing offer (required for the webrtc transport)");
    expect_bad_request(R"({"type":"join","name":"Bob","offer":{"sdp":"v=0"}})", "offer must be a string");
    expect_bad_request(R"({"type":"join","name":"Bob","transport":"carrier-pigeon","offer":"x"})",
                       "transport must be webrtc or websocket");
    expect_bad_request(R"({"type":"join","name":"Bob","transport":false,"offer":"x"})",
                       "transport must be a string");
    expect_bad_request(R"({"type":"join","name":"Bob","offer":"x","spectate":"yes"})",
                       "spectate must be a boolean");
}

TEST(SignalingParse, InvalidUtf8Name) {
    // The JSON parser already refuses invalid UTF-8 inside strings; a name that reaches the
    // validator is checked again (overlong, surrogate, truncated sequences).
    expect_bad_request("{\"type\":\"join\",\"name\":\"a\xff\",\"offer\":\"x\"}", "not JSON");
    for (std::string bad : {std::string("a\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("ab\xE6\x97"),
                            std::string("\xF4\x90\x80\x80"), std::string("\x80")}) {
        EXPECT_EQ(validate_player_name(bad), "name is not valid UTF-8");
    }
    std::string good = "  ok  ";
    EXPECT_EQ(validate_player_name(good), "");
    EXPECT_EQ(good, "ok");
}

TEST(SignalingParse, Candidate) {
    auto r = parse_client_message(
        R"({"type":"candidate","candidate":"candidate:1 1 udp 2122260223 192.0.2.5 61000 typ host","mid":"0"})",
        kMax);
    ASSERT_TRUE(std::holds_alternative<ClientMessage>(r));
    const auto& c = std::get<CandidateMessage>(std::get<ClientMessage>(r));
    EXPECT_EQ(c.candidate, "candidate:1 1 udp 2122260223 192.0.2.5 61000 typ host");
    EXPECT_EQ(c.mid, "0");

    r = parse_client_message(R"({"type":"candidate","candidate":""})", kMax);
    ASSERT_TRUE(std::holds_alternative<ClientMessage>(r));
    const auto& end = std::get<CandidateMessage>(std::get<ClientMessage>(r));
    EXPECT_TRUE(end.candidate.empty()); // end of candidates
    EXPECT_TRUE(end.mid.empty());

    expect_bad_request(R"({"type":"candidate"})", "missing candidate");
    expect_bad_request(R"({"type":"candidate","candidate":5})", "candidate must be a string");
    expect_bad_request(R"({"type":"candidate","candidate":"","mid":0})", "mid must be a string");
}

TEST(SignalingParse, Leave) {
    const auto r = parse_client_message(R"({"type":"leave","reason":"bye"})", kMax);
    ASSERT_TRUE(std::holds_alternative<ClientMessage>(r));
    EXPECT_TRUE(std::holds_alternative<LeaveMessage>(std::get<ClientMessage>(r)));
}

TEST(SignalingParse, EnvelopeErrors) {
    expect_bad_request("", "not JSON");
    expect_bad_request("hello", "not JSON");
    expect_bad_request(R"({"type":"join")", "not JSON");
    expect_bad_request(R"({"type":"leave"} trailing)", "not JSON");
    expect_bad_request("[1,2,3]", "message must be a JSON object");
    expect_bad_request(R"("join")", "message must be a JSON object");
    expect_bad_request("null", "message must be a JSON object");
    expect_bad_request("{}", "missing type");
    expect_bad_request(R"({"name":"Alice"})", "missing type");
    expect_bad_request(R"({"type":1})", "type must be a string");
    expect_bad_request(R"({"type":null})", "type must be a string");
    expect_bad_request(R"({"type":"hello"})", "unknown message type");
    expect_bad_request(R"({"type":"JOIN","name":"a","offer":"x"})", "unknown message type");
}

TEST(SignalingParse, TooLarge) {
    const std::string frame = R"({"type":"leave","pad":")" + std::string(100, 'x') + "\"}";
    const SignalingError e = expect_error(frame, 64);
    EXPECT_EQ(e.code, "too_large");
    EXPECT_FALSE(e.message.empty());
    // At exactly the limit it is parsed.
    EXPECT_TRUE(std::holds_alternative<ClientMessage>(parse_client_message(frame, frame.size())));
}

TEST(SignalingParse, DeepNestingDoesNotCrash) {
    std::string deep(100000, '[');
    EXPECT_EQ(expect_error(deep, 1 << 20).code, "bad_request");
    std::string nested = R"({"type":"leave","x":)" + std::string(20000, '[') + std::string(20000, ']') + "}";
    EXPECT_TRUE(std::holds_alternative<ClientMessage>(parse_client_message(nested, 1 << 20)));
}

TEST(SignalingWrite, Answer) {
    AnswerMessage a;
    a.sdp = "v=0\r\na=ice-ufrag:x\r\n";
    a.session = "sess\"ion";
    a.player_id = 42;
    a.resumed = true;
    a.max_message_size = 262144;
    const std::string text = make_answer_message(a);
    EXPECT_EQ(text.rfind(R"({"type":"answer",)", 0), 0u) << text;
    EXPECT_NE(text.find(R"(v=0\r\na=ice-ufrag:x\r\n)"), std::string::npos) << text;
    EXPECT_EQ(text.find('\n'), std::string::npos);
    const auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j.at("type"), "answer");
    EXPECT_EQ(j.at("sdp"), a.sdp);
    EXPECT_EQ(j.at("session"), "sess\"ion");
    EXPECT_EQ(j.at("player_id"), 42);
    EXPECT_EQ(j.at("resumed"), true);
    EXPECT_EQ(j.at("max_message_size"), 262144);
}

TEST(SignalingWrite, Welcome) {
    const std::string text = make_welcome_message({"abc", 7, false});
    const auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j.at("type"), "welcome");
    EXPECT_EQ(j.at("session"), "abc");
    EXPECT_EQ(j.at("player_id"), 7);
    EXPECT_EQ(j.at("resumed"), false);
    EXPECT_EQ(j.at("transport"), "websocket");
}

TEST(SignalingWrite, ErrorEscapesAndNeverThrows) {
    const std::string text =
        make_error_message("bad_offer", "quote \" backslash \\ newline \n tab \t </script>");
    const auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j.at("type"), "error");
    EXPECT_EQ(j.at("code"), "bad_offer");
    EXPECT_EQ(j.at("message"), "quote \" backslash \\ newline \n tab \t </script>");
    EXPECT_EQ(text.find('\n'), std::string::npos);
    // Invalid UTF-8 (e.g. echoed client bytes) is replaced, not thrown.
    std::string out;
    EXPECT_NO_THROW(out = make_error_message("internal", "bad \xff\xfe bytes"));
    const auto k = nlohmann::json::parse(out);
    EXPECT_EQ(k.at("message"), "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

TEST(SignalingWrite, ErrorCodesRoundTripThroughTheParser) {
    for (const std::string_view code :
         {signaling_error::kServerFull, signaling_error::kBadRequest, signaling_error::kRateLimited,
          signaling_error::kTooLarge, signaling_error::kBadOffer, signaling_error::kResumeFailed,
          signaling_error::kTooManyHandshakes, signaling_error::kInternal}) {
        const auto j = nlohmann::json::parse(make_error_message(code, "m"));
        EXPECT_EQ(j.at("code"), code);
    }
}

} // namespace
} // namespace mgs::net
