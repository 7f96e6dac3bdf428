#include "input_sender.hpp"

#include "proto/game_generated.h"

#include <algorithm>
#include <array>

namespace mgs::loadgen {

std::span<const InputSample> InputSender::sample(const Controls& controls, std::uint32_t client_time_ms,
                                                 std::uint32_t ack_snapshot, std::int64_t now_us) {
    InputSample s;
    s.seq = next_seq_++;
    s.client_time_ms = client_time_ms;
    s.controls = controls;
    s.controls.move_x = std::clamp<std::int8_t>(controls.move_x, -1, 1);
    s.controls.move_y = std::clamp<std::int8_t>(controls.move_y, -1, 1);
    s.ack_snapshot = ack_snapshot;
    s.sent_us = now_us;
    pending_.push_back(s);
    if (pending_.size() > kMaxPending) {
        pending_.pop_front();
    }
    const std::size_t n = std::min(batch_size_, pending_.size());
    batch_.assign(pending_.end() - static_cast<std::ptrdiff_t>(n), pending_.end());
    return batch_;
}

void build_input_batch(flatbuffers::FlatBufferBuilder& b, std::span<const InputSample> inputs, bool resync) {
    b.Clear();
    std::array<flatbuffers::Offset<proto::Input>, 8> offsets{};
    const std::size_t n = std::min(inputs.size(), offsets.size());
    const std::size_t first = inputs.size() - n; // the newest 8, as the server reads them
    for (std::size_t i = 0; i < n; ++i) {
        const InputSample& s = inputs[first + i];
        offsets[i] = proto::CreateInput(b, s.seq, s.client_time_ms, s.controls.move_x, s.controls.move_y,
                                        s.controls.aim, static_cast<proto::InputButtons>(s.controls.buttons),
                                        s.controls.weapon_slot, s.ack_snapshot);
    }
    const auto vec = b.CreateVector(offsets.data(), n);
    b.Finish(proto::CreateEnvelope(b, proto::Message::InputBatch,
                                   proto::CreateInputBatch(b, vec, resync).Union()));
}

void build_chat(flatbuffers::FlatBufferBuilder& b, std::string_view text, bool team_only) {
    b.Clear();
    const auto t = b.CreateString(text.data(), text.size());
    b.Finish(
        proto::CreateEnvelope(b, proto::Message::ChatSend, proto::CreateChatSend(b, t, team_only).Union()));
}

void build_scoreboard_request(flatbuffers::FlatBufferBuilder& b, std::uint16_t top) {
    b.Clear();
    b.Finish(proto::CreateEnvelope(b, proto::Message::ScoreboardRequest,
                                   proto::CreateScoreboardRequest(b, top).Union()));
}

} // namespace mgs::loadgen
