// libFuzzer target: signaling frames from WebSocket clients (net/signaling_message.hpp). Parsing
// must never throw or crash; accepted joins satisfy the documented invariants; replies built
// from arbitrary bytes are still valid to send.
#include "net/signaling_message.hpp"

#include <cstdlib>
#include <string>

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mgs::net;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse_client_message(text, 16 * 1024);
    if (const auto* error = std::get_if<SignalingError>(&parsed)) {
        check(!error->code.empty() && !error->message.empty());
    } else if (const auto* join = std::get_if<JoinRequest>(&std::get<ClientMessage>(parsed))) {
        check(!join->name.empty() && join->name.front() != ' ' && join->name.back() != ' ');
        check(join->team == "auto" || join->team == "red" || join->team == "blue");
        check(join->websocket_transport || !join->offer_sdp.empty());
        std::string name = join->name;
        check(validate_player_name(name).empty() && name == join->name);
    }
    // Echoing client bytes into replies must not throw (invalid UTF-8 is replaced).
    const std::string reply = make_error_message(text, text);
    check(!reply.empty());
    (void)make_answer_message({std::string(text), std::string(text), 1, false, 65536});
    return 0;
}
