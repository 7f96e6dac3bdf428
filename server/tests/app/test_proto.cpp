// The schema in proto/game.fbs is compiled at build time; this checks the generated code is
// usable and that the verifier rejects what is not a valid envelope.
#include "app/game_sync.hpp"
#include "proto/game_generated.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

TEST(Proto, InputRoundTripsThroughTheEnvelope) {
    flatbuffers::FlatBufferBuilder fbb;
    const auto input = mgs::proto::CreateInput(
        fbb, 42, 1000, 1, -1, 0.5f, mgs::proto::InputButtons::Fire | mgs::proto::InputButtons::Reload, 2, 7);
    fbb.Finish(mgs::proto::CreateEnvelope(fbb, mgs::proto::Message::Input, input.Union()));
    flatbuffers::Verifier verifier(fbb.GetBufferPointer(), fbb.GetSize());
    ASSERT_TRUE(mgs::proto::VerifyEnvelopeBuffer(verifier));
    const auto* env = mgs::proto::GetEnvelope(fbb.GetBufferPointer());
    const auto* in = env->message_as_Input();
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->seq(), 42u);
    EXPECT_EQ(in->move_x(), 1);
    EXPECT_EQ(in->move_y(), -1);
    EXPECT_FLOAT_EQ(in->aim(), 0.5f);
    EXPECT_EQ(in->weapon_slot(), 2);
    EXPECT_EQ(in->ack_snapshot(), 7u);
    EXPECT_TRUE((in->buttons() & mgs::proto::InputButtons::Reload) == mgs::proto::InputButtons::Reload);
}

TEST(Proto, VerifierRejectsGarbageAndTruncation) {
    const std::vector<std::uint8_t> garbage = {0xff, 0x00, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef, 0x01};
    flatbuffers::Verifier v1(garbage.data(), garbage.size());
    EXPECT_FALSE(mgs::proto::VerifyEnvelopeBuffer(v1));

    flatbuffers::FlatBufferBuilder fbb;
    const auto input = mgs::proto::CreateInput(fbb, 1);
    fbb.Finish(mgs::proto::CreateEnvelope(fbb, mgs::proto::Message::Input, input.Union()));
    flatbuffers::Verifier v2(fbb.GetBufferPointer(), fbb.GetSize() / 2);
    EXPECT_FALSE(mgs::proto::VerifyEnvelopeBuffer(v2));
}

} // namespace

namespace mgs::app {
namespace {

// The snapshot message stays under 1150 bytes whatever mix of delta and effects fills the
// largest budget: the delta gets what the effects leave.
TEST(SnapshotMessage, FullBudgetStaysUnder1150Bytes) {
    flatbuffers::FlatBufferBuilder fb;
    std::vector<std::uint8_t> delta(2048, 0xA5);
    std::vector<sync::EffectRecord> effects(GameSync::kMaxEffects);
    OwnFields own;
    own.magazine = {7, 2, 30, 5};
    own.reserve = {-1, 16, 90, 10};
    own.reload_done_tick = 0xFFFFFFF0u;
    for (std::size_t n = 0; n <= effects.size() * 2 + 1; ++n) {
        const std::size_t nfx = n / 2;
        const bool with_own = n % 2 == 1;
        const std::size_t budget = GameSync::delta_budget(1060, nfx, with_own);
        ASSERT_GE(budget, GameSync::kMinDeltaBytes);
        encode_snapshot_message(fb, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFEu, 0xFFFFFFFFu},
                                std::span(delta).first(budget), std::span(effects).first(nfx),
                                with_own ? &own : nullptr);
        EXPECT_LT(fb.GetSize(), 1150u) << nfx << " effects, own state " << with_own;
        flatbuffers::Verifier v(fb.GetBufferPointer(), fb.GetSize());
        ASSERT_TRUE(proto::VerifyEnvelopeBuffer(v));
        const proto::Snapshot* s = proto::GetEnvelope(fb.GetBufferPointer())->message_as_Snapshot();
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(s->data()->size(), budget);
        EXPECT_EQ(s->effects() == nullptr ? 0u : s->effects()->size(), nfx);
        ASSERT_EQ(s->me() != nullptr, with_own);
        if (with_own) {
            EXPECT_EQ(s->me()->magazine_rifle(), 30);
            EXPECT_EQ(s->me()->reserve_pistol(), -1);
            EXPECT_EQ(s->me()->reload_done_tick(), 0xFFFFFFF0u);
        }
    }
}

} // namespace
} // namespace mgs::app
