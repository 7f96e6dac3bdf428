#include "net/game_message.hpp"
#include "proto/game_generated.h"

#include <gtest/gtest.h>

#include <vector>

namespace mgs::net {
namespace {

std::vector<std::uint8_t> batch_of(std::uint32_t n) {
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<proto::Input>> list;
    for (std::uint32_t seq = 1; seq <= n; ++seq) {
        list.push_back(proto::CreateInput(b, seq, 0, 1, -1, 0.25f, proto::InputButtons::Fire, 2, 40 + seq));
    }
    b.Finish(proto::CreateEnvelope(b, proto::Message::InputBatch,
                                   proto::CreateInputBatch(b, b.CreateVector(list)).Union()));
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

TEST(GameMessage, ServerOnlyTypesAreRefused) {
    flatbuffers::FlatBufferBuilder b;
    const auto snap = proto::CreateSnapshot(b, 1, 2, 0, 0, 0);
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
