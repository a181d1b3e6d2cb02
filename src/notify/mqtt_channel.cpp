// mqtt: the event JSON on <prefix>/event, QoS 1, not retained (an event happens once; a
// retained one would be replayed to every new subscriber).
#include <offpeak/notify/channels.hpp>

namespace offpeak::notify {

ChannelRequest build_mqtt(const config::NotifyChannel&, const Outgoing& e,
                          const BuildContext& context) {
  return ChannelRequest{{}, MqttMessage{context.mqtt_prefix + "/event", e.json, 1, false}, {}};
}

}  // namespace offpeak::notify
