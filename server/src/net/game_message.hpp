#pragma once
// Reading a client's game message: the FlatBuffers verifier first (bounded depth and table
// count), then the few message types clients may send. Every byte from a client goes through
// parse_client_game_message() before anything else looks at it; it never reads outside the
// buffer, allocates nothing, and is fuzzed (server/tests/fuzz/fuzz_envelope.cpp).
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace mgs::proto {
struct Ping;
}

namespace mgs::net {

/// One input sample as the simulation takes it (the simulation validates it again).
struct ClientInput {
    std::uint32_t seq = 0;
    std::int8_t move_x = 0;
    std::int8_t move_y = 0;
    float aim = 0.0f;
    std::uint8_t buttons = 0;
    std::int8_t weapon_slot = -1;
    std::uint32_t ack_snapshot = 0;
};

struct ClientGameMessage {
    enum class Kind : std::uint8_t {
        Invalid,
        Ping,
        Inputs,
        Chat,
        ScoreboardRequest,
        Spectate,
        NotFromClients
    };
    Kind kind = Kind::Invalid;
    const proto::Ping* ping = nullptr;            ///< Kind::Ping: points into the buffer
    static constexpr std::size_t kMaxInputs = 8;  ///< newest inputs of a batch kept
    std::array<ClientInput, kMaxInputs> inputs{}; ///< Kind::Inputs, oldest first
    std::size_t input_count = 0;
    static constexpr std::size_t kMaxChatBytes = 200;
    std::string_view chat_text;  ///< Kind::Chat: valid UTF-8, at most kMaxChatBytes, points into the buffer
    bool chat_team_only = false; ///< Kind::Chat
    static constexpr std::uint16_t kMaxScoreboardRows = 60; ///< a Scoreboard stays under 1200 bytes
    std::uint16_t scoreboard_top = 20;  ///< Kind::ScoreboardRequest: 1 .. kMaxScoreboardRows
    std::uint32_t follow = 0xFFFFFFFFu; ///< Kind::Spectate: player slot, or 0xFFFFFFFF for the point
    float camera_x = 0.0f;              ///< Kind::Spectate: finite (non-finite values become 0)
    float camera_y = 0.0f;              ///< Kind::Spectate (its acknowledgement is in inputs[0].ack_snapshot)
    /// Kind::Inputs (InputBatch) and Kind::Spectate: the client cannot decode against what it
    /// holds and asks for a full snapshot (the acknowledgements are read as they are).
    bool resync = false;
};

/// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
[[nodiscard]] bool valid_utf8(std::string_view text) noexcept;

/// Verifies and classifies one binary message from a client. Invalid: not a verifiable
/// Envelope, or a chat line that is not UTF-8 or longer than kMaxChatBytes. NotFromClients: a
/// valid envelope of a type only the server sends (or none).
[[nodiscard]] ClientGameMessage parse_client_game_message(std::span<const std::uint8_t> data) noexcept;

} // namespace mgs::net
