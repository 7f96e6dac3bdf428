#pragma once
// Signaling messages: the JSON text frames a client and the server exchange over the WebSocket
// before (and, for the WebSocket fallback, instead of) the WebRTC data channels.
//
// Why it looks like this: the WebSocket is the first thing an untrusted client reaches, so every
// frame is size-checked before it is parsed, every field is type-checked, and nothing here
// throws: a malformed frame becomes a SignalingError whose code is sent back as-is. Parsing the
// SDP inside an offer is not done here (rtc/sdp.hpp does it, later and only for admitted joins).
//
// Client -> server:
//   {"type":"join","name":"Alice","team":"auto"|"red"|"blue","resume":"<token>"?,"offer":"<sdp>"?,
//    "transport":"webrtc"|"websocket"?,"spectate":false?}
//   {"type":"candidate","candidate":"candidate:...","mid":"0"?}   ("" = end of candidates)
//   {"type":"leave"}
// Server -> client:
//   {"type":"answer","sdp":...,"session":...,"player_id":N,"resumed":bool,"max_message_size":N}
//   {"type":"welcome","session":...,"player_id":N,"resumed":bool,"transport":"websocket"}
//   {"type":"error","code":"<code>","message":"<human readable>"}
// Unknown keys are ignored, so either side can add optional fields without breaking the other.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace mgs::net {

/// Player names: 1..kMaxNameCodePoints Unicode code points after trimming surrounding spaces.
inline constexpr std::size_t kMaxNameCodePoints = 16;
/// Resume tokens longer than this are rejected without looking further.
inline constexpr std::size_t kMaxResumeTokenSize = 128;

/// Error codes sent in {"type":"error"} (stable strings: the client switches on them).
namespace signaling_error {
inline constexpr std::string_view kServerFull = "server_full";
inline constexpr std::string_view kBadRequest = "bad_request";
inline constexpr std::string_view kRateLimited = "rate_limited";
inline constexpr std::string_view kTooLarge = "too_large";
inline constexpr std::string_view kBadOffer = "bad_offer";
inline constexpr std::string_view kResumeFailed = "resume_failed";
inline constexpr std::string_view kTooManyHandshakes = "too_many_handshakes";
inline constexpr std::string_view kInternal = "internal";
} // namespace signaling_error

/// {"type":"join"}. `name` is trimmed and validated; `team` is "auto", "red" or "blue";
/// `offer_sdp` is non-empty unless `websocket_transport`.
struct JoinRequest {
    std::string name;
    std::string team = "auto";
    std::string resume_token; // empty: a new player
    std::string offer_sdp;
    bool websocket_transport = false;
    bool spectate = false;
};

/// {"type":"candidate"}: one trickled client candidate, or end of candidates when empty.
struct CandidateMessage {
    std::string candidate;
    std::string mid;
};

/// {"type":"leave"}.
struct LeaveMessage {};

using ClientMessage = std::variant<JoinRequest, CandidateMessage, LeaveMessage>;

/// A rejected frame: `code` is one of signaling_error, `message` is for humans.
struct SignalingError {
    std::string code;
    std::string message;
};

/// Parses one text frame from a client. Frames longer than `max_bytes` give code "too_large"
/// without being parsed; anything malformed gives "bad_request". Never throws; safe from any
/// thread (no shared state).
[[nodiscard]] std::variant<ClientMessage, SignalingError>
parse_client_message(std::string_view text, std::size_t max_bytes) noexcept;

/// The server's answer to a WebRTC join.
struct AnswerMessage {
    std::string sdp;
    std::string session;
    std::uint32_t player_id = 0;
    bool resumed = false;
    std::uint32_t max_message_size = 0;
};

/// The server's reply to a WebSocket-transport join.
struct WelcomeMessage {
    std::string session;
    std::uint32_t player_id = 0;
    bool resumed = false;
};

/// Serialises the answer as one JSON object ("type" first). Strings are escaped; invalid UTF-8
/// is replaced by U+FFFD rather than throwing.
[[nodiscard]] std::string make_answer_message(const AnswerMessage& m);
/// Serialises the welcome message, as make_answer_message().
[[nodiscard]] std::string make_welcome_message(const WelcomeMessage& m);
/// Serialises {"type":"error","code":...,"message":...}, as make_answer_message().
[[nodiscard]] std::string make_error_message(std::string_view code, std::string_view message);

/// Validates and normalises a player name in place: trims surrounding spaces, then requires
/// 1..kMaxNameCodePoints code points of valid UTF-8 with no control or invisible formatting
/// characters. Returns an empty string when valid, else the reason ("name is empty", ...).
[[nodiscard]] std::string_view validate_player_name(std::string& name);

} // namespace mgs::net
