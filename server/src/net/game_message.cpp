#include "net/game_message.hpp"

#include "proto/game_generated.h"

#include <algorithm>
#include <cmath>

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

bool valid_utf8(std::string_view text) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) {
            return false;
        }
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        constexpr std::array<std::uint32_t, 5> kMin{0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += len;
    }
    return true;
}

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
        out.resync = batch->resync();
        return out;
    }
    if (const proto::ChatSend* chat = env->message_as_ChatSend()) {
        const flatbuffers::String* text = chat->text();
        const std::string_view view = text != nullptr ? text->string_view() : std::string_view{};
        if (view.size() > ClientGameMessage::kMaxChatBytes || !valid_utf8(view)) {
            return out; // Invalid
        }
        out.kind = ClientGameMessage::Kind::Chat;
        out.chat_text = view;
        out.chat_team_only = chat->team_only();
        return out;
    }
    if (const proto::ScoreboardRequest* req = env->message_as_ScoreboardRequest()) {
        out.kind = ClientGameMessage::Kind::ScoreboardRequest;
        out.scoreboard_top = std::clamp<std::uint16_t>(req->top(), 1, ClientGameMessage::kMaxScoreboardRows);
        return out;
    }
    if (const proto::SpectateControl* sc = env->message_as_SpectateControl()) {
        out.kind = ClientGameMessage::Kind::Spectate;
        out.follow = sc->follow();
        out.camera_x = std::isfinite(sc->x()) ? sc->x() : 0.0f;
        out.camera_y = std::isfinite(sc->y()) ? sc->y() : 0.0f;
        out.inputs[0].ack_snapshot = sc->ack_snapshot();
        out.resync = sc->resync();
        return out;
    }
    out.kind = ClientGameMessage::Kind::NotFromClients;
    return out;
}

} // namespace mgs::net
