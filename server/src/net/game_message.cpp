#include "net/game_message.hpp"

#include "proto/game_generated.h"

namespace mgs::net {

namespace {

constexpr flatbuffers::uoffset_t kMaxDepth = 16;
constexpr flatbuffers::uoffset_t kMaxTables = 256;

ClientInput read_input(const proto::Input& in) noexcept {
    ClientInput c;
    c.seq = in.seq();
    c.move_x = in.move_x();
    c.move_y = in.move_y();
    c.aim = in.aim();
    c.buttons = static_cast<std::uint8_t>(in.buttons());
    c.weapon_slot = in.weapon_slot();
    c.ack_snapshot = in.ack_snapshot();
    return c;
}

} // namespace

ClientGameMessage parse_client_game_message(std::span<const std::uint8_t> data) noexcept {
    ClientGameMessage out;
    flatbuffers::Verifier verifier(data.data(), data.size(), kMaxDepth, kMaxTables);
    if (data.empty() || !proto::VerifyEnvelopeBuffer(verifier)) {
        return out;
    }
    const proto::Envelope* env = proto::GetEnvelope(data.data());
    if (const proto::Ping* ping = env->message_as_Ping()) {
        out.kind = ClientGameMessage::Kind::Ping;
        out.ping = ping;
        return out;
    }
    if (const proto::Input* in = env->message_as_Input()) {
        out.kind = ClientGameMessage::Kind::Inputs;
        out.inputs[0] = read_input(*in);
        out.input_count = 1;
        return out;
    }
    if (const proto::InputBatch* batch = env->message_as_InputBatch()) {
        out.kind = ClientGameMessage::Kind::Inputs;
        if (const auto* list = batch->inputs(); list != nullptr) {
            const flatbuffers::uoffset_t n = list->size();
            const flatbuffers::uoffset_t first =
                n > ClientGameMessage::kMaxInputs
                    ? n - static_cast<flatbuffers::uoffset_t>(ClientGameMessage::kMaxInputs)
                    : 0;
            for (flatbuffers::uoffset_t k = first; k < n; ++k) {
                out.inputs[out.input_count++] = read_input(*list->Get(k));
            }
        }
        return out;
    }
    out.kind = ClientGameMessage::Kind::NotFromClients;
    return out;
}

} // namespace mgs::net
