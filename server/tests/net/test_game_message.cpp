#include "net/game_message.hpp"
#include "proto/game_generated.h"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mgs::net {
namespace {

std::vector<std::uint8_t> batch_of(std::uint32_t n, bool resync = false) {
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<proto::Input>> list;
    for (std::uint32_t seq = 1; seq <= n; ++seq) {
        list.push_back(proto::CreateInput(b, seq, 0, 1, -1, 0.25f, proto::InputButtons::Fire, 2, 40 + seq));
    }
    b.Finish(proto::CreateEnvelope(b, proto::Message::InputBatch,
                                   proto::CreateInputBatch(b, b.CreateVector(list), resync).Union()));
    return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

TEST(GameMessage, InputFieldsAreRead) {
    const auto bytes = batch_of(1);
    const ClientGameMessage m = parse_client_game_message(bytes);
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::Inputs);
    ASSERT_EQ(m.input_count, 1u);
    EXPECT_EQ(m.inputs[0].seq, 1u);
    EXPECT_EQ(m.inputs[0].move_x, 1);
    EXPECT_EQ(m.inputs[0].move_y, -1);
    EXPECT_FLOAT_EQ(m.inputs[0].aim, 0.25f);
    EXPECT_EQ(m.inputs[0].buttons, 1);
    EXPECT_EQ(m.inputs[0].weapon_slot, 2);
    EXPECT_EQ(m.inputs[0].ack_snapshot, 41u);
}

TEST(GameMessage, LongBatchesKeepTheNewestEight) {
    const ClientGameMessage m = parse_client_game_message(batch_of(20));
    ASSERT_EQ(m.input_count, ClientGameMessage::kMaxInputs);
    EXPECT_EQ(m.inputs[0].seq, 13u);
    EXPECT_EQ(m.inputs[7].seq, 20u);
}

TEST(GameMessage, ResyncInABatchIsRead) {
    const ClientGameMessage plain = parse_client_game_message(batch_of(3));
    EXPECT_FALSE(plain.resync);
    EXPECT_EQ(plain.inputs[2].ack_snapshot, 43u);
    const ClientGameMessage m = parse_client_game_message(batch_of(3, true));
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::Inputs);
    ASSERT_EQ(m.input_count, 3u);
    EXPECT_TRUE(m.resync);
    for (std::size_t k = 0; k < m.input_count; ++k) {
        EXPECT_EQ(m.inputs[k].seq, k + 1); // the inputs themselves are untouched
        EXPECT_EQ(m.inputs[k].ack_snapshot, 41 + k);
    }
}

TEST(GameMessage, EveryTruncationAndGarbageIsInvalidNeverACrash) {
    const auto bytes = batch_of(3);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        const ClientGameMessage m = parse_client_game_message({bytes.data(), n});
        EXPECT_EQ(m.kind, ClientGameMessage::Kind::Invalid) << n;
    }
    std::vector<std::uint8_t> junk(300);
    std::uint32_t x = 1;
    for (int round = 0; round < 2000; ++round) {
        for (auto& b : junk) {
            x = x * 1664525u + 1013904223u;
            b = static_cast<std::uint8_t>(x >> 24);
        }
        const ClientGameMessage m = parse_client_game_message(junk);
        EXPECT_LE(m.input_count, ClientGameMessage::kMaxInputs);
    }
}

ClientGameMessage chat_message(std::string_view text, bool team_only) {
    flatbuffers::FlatBufferBuilder b;
    const auto chat = proto::CreateChatSend(b, b.CreateString(text.data(), text.size()), team_only);
    b.Finish(proto::CreateEnvelope(b, proto::Message::ChatSend, chat.Union()));
    std::vector<std::uint8_t> bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
    static std::vector<std::uint8_t> keep; // the result points into the buffer
    keep = std::move(bytes);
    return parse_client_game_message(keep);
}

TEST(GameMessage, ChatLinesAreUtf8AndAtMost200Bytes) {
    ClientGameMessage m = chat_message("gg \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", true);
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::Chat);
    EXPECT_EQ(m.chat_text, "gg \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    EXPECT_TRUE(m.chat_team_only);
    EXPECT_EQ(chat_message(std::string(200, 'x'), false).kind, ClientGameMessage::Kind::Chat);
    EXPECT_EQ(chat_message(std::string(201, 'x'), false).kind, ClientGameMessage::Kind::Invalid);
    EXPECT_EQ(chat_message("bad \xff", false).kind, ClientGameMessage::Kind::Invalid);
    // An empty line parses (the game drops it); a missing text is an empty line.
    EXPECT_EQ(chat_message("", false).kind, ClientGameMessage::Kind::Chat);
}

TEST(GameMessage, Utf8ValidationRejectsMalformedSequences) {
    EXPECT_TRUE(valid_utf8(""));
    EXPECT_TRUE(valid_utf8("plain"));
    EXPECT_TRUE(valid_utf8("\xc2\x80"));              // U+0080
    EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
    EXPECT_FALSE(valid_utf8("\xc0\xaf"));             // overlong '/'
    EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));         // overlong
    EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));         // surrogate U+D800
    EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));     // past U+10FFFF
    EXPECT_FALSE(valid_utf8("\xe2\x82"));             // truncated
    EXPECT_FALSE(valid_utf8("\x80"));                 // lone continuation
    EXPECT_FALSE(valid_utf8("\xf8\x88\x80\x80\x80")); // 5-byte form
}

TEST(GameMessage, ScoreboardRequestsAreClampedTo1To60Rows) {
    const auto top_of = [](std::optional<std::uint16_t> top) {
        flatbuffers::FlatBufferBuilder b;
        const auto req = top ? proto::CreateScoreboardRequest(b, *top) : proto::CreateScoreboardRequest(b);
        b.Finish(proto::CreateEnvelope(b, proto::Message::ScoreboardRequest, req.Union()));
        const ClientGameMessage m = parse_client_game_message({b.GetBufferPointer(), b.GetSize()});
        EXPECT_EQ(m.kind, ClientGameMessage::Kind::ScoreboardRequest);
        return m.scoreboard_top;
    };
    EXPECT_EQ(top_of(std::nullopt), 20);
    EXPECT_EQ(top_of(0), 1);
    EXPECT_EQ(top_of(7), 7);
    EXPECT_EQ(top_of(60), 60);
    EXPECT_EQ(top_of(61), 60);
    EXPECT_EQ(top_of(500), 60);
}

TEST(GameMessage, SpectateControlKeepsFiniteCameraAndItsAcknowledgement) {
    const auto parse = [](std::uint32_t follow, float x, float y) {
        flatbuffers::FlatBufferBuilder b;
        b.Finish(proto::CreateEnvelope(b, proto::Message::SpectateControl,
                                       proto::CreateSpectateControl(b, follow, x, y, 77).Union()));
        return parse_client_game_message({b.GetBufferPointer(), b.GetSize()});
    };
    ClientGameMessage m = parse(12, 300.5f, 40.0f);
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::Spectate);
    EXPECT_EQ(m.follow, 12u);
    EXPECT_EQ(m.camera_x, 300.5f);
    EXPECT_EQ(m.camera_y, 40.0f);
    EXPECT_EQ(m.inputs[0].ack_snapshot, 77u);
    EXPECT_FALSE(m.resync);
    m = parse(0xFFFFFFFFu, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity());
    EXPECT_EQ(m.camera_x, 0.0f);
    EXPECT_EQ(m.camera_y, 0.0f);
}

TEST(GameMessage, ResyncInSpectateControlAsksForAFullSnapshot) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(proto::CreateEnvelope(b, proto::Message::SpectateControl,
                                   proto::CreateSpectateControl(b, 5, 10.0f, 20.0f, 77, true).Union()));
    const ClientGameMessage m = parse_client_game_message({b.GetBufferPointer(), b.GetSize()});
    ASSERT_EQ(m.kind, ClientGameMessage::Kind::Spectate);
    EXPECT_TRUE(m.resync);
    EXPECT_EQ(m.follow, 5u);
    EXPECT_EQ(m.inputs[0].ack_snapshot, 77u);
}

TEST(GameMessage, ServerOnlyTypesAreRefused) {
    flatbuffers::FlatBufferBuilder b;
    const proto::SnapshotHeader header(1, 2, 0, 0);
    const auto snap = proto::CreateSnapshot(b, &header);
    b.Finish(proto::CreateEnvelope(b, proto::Message::Snapshot, snap.Union()));
    EXPECT_EQ(parse_client_game_message({b.GetBufferPointer(), b.GetSize()}).kind,
              ClientGameMessage::Kind::NotFromClients);
    flatbuffers::FlatBufferBuilder e;
    e.Finish(proto::CreateEnvelope(e));
    EXPECT_EQ(parse_client_game_message({e.GetBufferPointer(), e.GetSize()}).kind,
              ClientGameMessage::Kind::NotFromClients);
}

} // namespace
} // namespace mgs::net
