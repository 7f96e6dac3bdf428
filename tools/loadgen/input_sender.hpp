#pragma once
// A load client's inputs, numbered and batched exactly as the web client does it
// (client/src/game/input.ts, docs/protocol.md "Input and InputBatch"): one sample per server tick,
// sequence numbers from 1 per connection, and every sample goes out in an InputBatch holding the
// newest samples no snapshot has acknowledged yet (at most 5, oldest first). A snapshot's
// header.last_input acknowledges every sample up to it, which also gives the input-to-snapshot
// latency: the time from a sample's batch leaving to the first snapshot whose last_input covers it.
//
//   seq:    1      2      3      4      5      6     (acknowledged up to 3 by a snapshot)
//   batch:                            [4, 5, 6]        the newest and up to 4 before it
//
// Also the builders of the other messages a load client sends (ChatSend, ScoreboardRequest).
// Pure: no sockets or clocks; times come in as arguments.

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <deque>
#include <span>
#include <string_view>
#include <vector>

namespace mgs::loadgen {

/// Buttons bits of the Input table (proto InputButtons).
inline constexpr std::uint8_t kButtonFire = 1;
inline constexpr std::uint8_t kButtonMelee = 2;
inline constexpr std::uint8_t kButtonReload = 4;

/// What the controls ask for at one instant.
struct Controls {
    std::int8_t move_x = 0; ///< -1, 0, 1: +x right
    std::int8_t move_y = 0; ///< -1, 0, 1: +y down
    float aim = 0.0f;       ///< radians, 0 = +x
    std::uint8_t buttons = 0;
    std::int8_t weapon_slot = -1;
};

/// One numbered sample.
struct InputSample {
    std::uint32_t seq = 0;
    std::uint32_t client_time_ms = 0;
    Controls controls;
    std::uint32_t ack_snapshot = 0;
    std::int64_t sent_us = 0; ///< when the batch carrying it first left (the caller's clock)
};

class InputSender {
public:
    /// Samples per batch, as the web client's DEFAULT_BATCH_SIZE.
    static constexpr std::size_t kDefaultBatch = 5;
    /// Unacknowledged samples kept while nothing is acknowledged (a stalled connection).
    static constexpr std::size_t kMaxPending = 32;

    explicit InputSender(std::size_t batch_size = kDefaultBatch) : batch_size_(batch_size) {}

    /// Makes the next sample (seq = next_seq()) and returns the batch to send now, oldest first:
    /// the newest at most batch_size samples not acknowledged. `now_us` stamps the new sample as
    /// sent. The span is valid until the next call.
    std::span<const InputSample> sample(const Controls& controls, std::uint32_t client_time_ms,
                                        std::uint32_t ack_snapshot, std::int64_t now_us);

    /// A snapshot's header.last_input: every sample up to it was applied and is not repeated any
    /// more. Calls on_acked(latency_us) once for each sample newly acknowledged (now - sent). A
    /// value above the newest seq (an earlier session of this player) moves numbering past it, as
    /// the web client does.
    template <class F> void acknowledge(std::uint32_t last_input, std::int64_t now_us, F&& on_acked) {
        if (last_input >= next_seq_) {
            next_seq_ = last_input + 1;
        }
        while (!pending_.empty() && pending_.front().seq <= last_input) {
            on_acked(now_us - pending_.front().sent_us);
            pending_.pop_front();
        }
    }

    /// A new connection: numbering starts at 1 again and nothing is pending.
    void reset() noexcept {
        pending_.clear();
        next_seq_ = 1;
    }

    [[nodiscard]] std::uint32_t next_seq() const noexcept { return next_seq_; }
    [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }

private:
    std::size_t batch_size_;
    std::uint32_t next_seq_ = 1;
    std::deque<InputSample> pending_; // oldest first
    std::vector<InputSample> batch_;
};

/// Envelope(InputBatch) of `inputs` (oldest first) into `b` (cleared first); `resync` asks the
/// server for a full snapshot (sync::SnapshotReceiver::needs_resync()).
void build_input_batch(flatbuffers::FlatBufferBuilder& b, std::span<const InputSample> inputs,
                       bool resync = false);
/// Envelope(ChatSend).
void build_chat(flatbuffers::FlatBufferBuilder& b, std::string_view text, bool team_only);
/// Envelope(ScoreboardRequest) for the best `top`.
void build_scoreboard_request(flatbuffers::FlatBufferBuilder& b, std::uint16_t top);

} // namespace mgs::loadgen
