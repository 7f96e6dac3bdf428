#include "net/signaling_message.hpp"

#include <nlohmann/json.hpp>

namespace mgs::net {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

SignalingError bad_request(std::string_view message) {
    return {std::string(signaling_error::kBadRequest), std::string(message)};
}

/// Decodes one UTF-8 sequence at s[i] (RFC 3629 sec. 4: shortest form, no surrogates, at most
/// U+10FFFF). Returns the code point and advances i, or returns -1 when invalid.
long decode_utf8(std::string_view s, std::size_t& i) noexcept {
    const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    std::size_t extra = 0;
    long cp = 0;
    long min = 0;
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    if ((b0 & 0xE0) == 0xC0) {
        extra = 1, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        extra = 2, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        extra = 3, cp = b0 & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (s.size() - i <= extra) return -1;
    for (std::size_t k = 1; k <= extra; ++k) {
        const unsigned char b = byte(i + k);
        if ((b & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    i += extra + 1;
    return cp;
}

/// Control characters (C0, DEL, C1), line/paragraph separators and the invisible formatting
/// characters that let one name impersonate another (zero-width, bidirectional overrides, BOM).
bool forbidden_in_name(long cp) noexcept {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF ||
           (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xFFFE || cp == 0xFFFF || (cp >= 0xE0000 && cp <= 0xE007F);
}

/// An optional string field: absent or null leave `out` untouched; a non-string is an error.
bool optional_string(const json& object, const char* key, std::string& out) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

std::variant<ClientMessage, SignalingError> parse_join(const json& j) {
    JoinRequest r;
    const auto name = j.find("name");
    if (name == j.end() || name->is_null()) return bad_request("missing name");
    if (!name->is_string()) return bad_request("name must be a string");
    r.name = name->get<std::string>();
    if (const std::string_view why = validate_player_name(r.name); !why.empty()) return bad_request(why);

    if (!optional_string(j, "team", r.team)) return bad_request("team must be a string");
    if (r.team != "auto" && r.team != "red" && r.team != "blue") {
        return bad_request("team must be auto, red or blue");
    }
    if (!optional_string(j, "resume", r.resume_token)) return bad_request("resume must be a string");
    if (r.resume_token.size() > kMaxResumeTokenSize) return bad_request("resume token too long");

    std::string transport = "webrtc";
    if (!optional_string(j, "transport", transport)) return bad_request("transport must be a string");
    if (transport != "webrtc" && transport != "websocket") {
        return bad_request("transport must be webrtc or websocket");
    }
    r.websocket_transport = transport == "websocket";

    if (const auto it = j.find("spectate"); it != j.end() && !it->is_null()) {
        if (!it->is_boolean()) return bad_request("spectate must be a boolean");
        r.spectate = it->get<bool>();
    }
    if (!optional_string(j, "offer", r.offer_sdp)) return bad_request("offer must be a string");
    if (r.websocket_transport) {
        r.offer_sdp.clear();
    } else if (r.offer_sdp.empty()) {
        return bad_request("missing offer (required for the webrtc transport)");
    }
    return ClientMessage{std::move(r)};
}

std::variant<ClientMessage, SignalingError> parse_candidate(const json& j) {
    CandidateMessage m;
    const auto it = j.find("candidate");
    if (it == j.end() || it->is_null()) return bad_request("missing candidate");
    if (!it->is_string()) return bad_request("candidate must be a string");
    m.candidate = it->get<std::string>();
    if (!optional_string(j, "mid", m.mid)) return bad_request("mid must be a string");
    return ClientMessage{std::move(m)};
}

std::string dump(const ordered_json& j) {
    // Replace invalid UTF-8 instead of throwing (type_error 316): our strings may echo client bytes.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

std::string_view validate_player_name(std::string& name) {
    const std::size_t first = name.find_first_not_of(' ');
    if (first == std::string::npos) {
        name.clear();
        return "name is empty";
    }
    name.erase(name.find_last_not_of(' ') + 1);
    name.erase(0, first);
    std::size_t count = 0;
    for (std::size_t i = 0; i < name.size();) {
        const long cp = decode_utf8(name, i);
        if (cp < 0) return "name is not valid UTF-8";
        if (forbidden_in_name(cp)) return "name contains control or invisible characters";
        static_assert(kMaxNameCodePoints == 16, "update the message below");
        if (++count > kMaxNameCodePoints) return "name is longer than 16 characters";
    }
    return {};
}

std::variant<ClientMessage, SignalingError> parse_client_message(std::string_view text,
                                                                 std::size_t max_bytes) noexcept {
    try {
        if (text.size() > max_bytes) {
            return SignalingError{std::string(signaling_error::kTooLarge),
                                  "message larger than " + std::to_string(max_bytes) + " bytes"};
        }
        const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded()) return bad_request("not JSON");
        if (!j.is_object()) return bad_request("message must be a JSON object");
        const auto type = j.find("type");
        if (type == j.end()) return bad_request("missing type");
        if (!type->is_string()) return bad_request("type must be a string");
        const auto& t = type->get_ref<const std::string&>();
        if (t == "join") return parse_join(j);
        if (t == "candidate") return parse_candidate(j);
        if (t == "leave") return ClientMessage{LeaveMessage{}};
        return bad_request("unknown message type");
    } catch (...) {
        // Only std::bad_alloc can get here: every json access above is type-checked first.
        return SignalingError{std::string(signaling_error::kInternal), "internal error"};
    }
}

std::string make_answer_message(const AnswerMessage& m) {
    ordered_json j;
    j["type"] = "answer";
    j["sdp"] = m.sdp;
    j["session"] = m.session;
    j["player_id"] = m.player_id;
    j["resumed"] = m.resumed;
    j["max_message_size"] = m.max_message_size;
    return dump(j);
}

std::string make_welcome_message(const WelcomeMessage& m) {
    ordered_json j;
    j["type"] = "welcome";
    j["session"] = m.session;
    j["player_id"] = m.player_id;
    j["resumed"] = m.resumed;
    j["transport"] = "websocket";
    return dump(j);
}

std::string make_error_message(std::string_view code, std::string_view message) {
    ordered_json j;
    j["type"] = "error";
    j["code"] = std::string(code);
    j["message"] = std::string(message);
    return dump(j);
}

} // namespace mgs::net
