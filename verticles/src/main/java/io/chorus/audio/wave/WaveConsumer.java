package io.chorus.audio.wave;

import io.chorus.infra.FinalConsumer;
import io.chorus.infra.KafkaConsumers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.HashSet;
import java.util.UUID;

/**
 * Turns {@code track.played} and the feedback topic into taste signals: one consumer group over all nodes
 * ({@code WAVE_CONSUMER_GROUP}), one record at a time, the offset committed after the signal is stored.
 * Idempotent by {@code event_id} (a replay, or feedback this node already stored when it was given, is a
 * no-op). Anonymous plays, malformed records and events of deleted users or tracks are skipped.
 */
final class WaveConsumer {
  private final Vertx vertx;
  private final WaveRepo repo;
  private final String playedTopic;
  private FinalConsumer consumer;

  WaveConsumer(Vertx vertx, WaveRepo repo, String playedTopic) {
    this.vertx = vertx;
    this.repo = repo;
    this.playedTopic = playedTopic;
  }

  void start(String bootstrap, List<String> topics, String group) {
    consumer = KafkaConsumers.serial(vertx, bootstrap, group, new HashSet<>(topics), "Wave consumer", r -> process(r.topic(), r.value()));
  }

  Future<Void> process(String topic, String value) {
    UUID eventId;
    UUID user;
    UUID track;
    String kind;
    OffsetDateTime at;
    try {
      JsonObject e = new JsonObject(value);
      if (e.getValue("user_id") == null) {
        return Future.succeededFuture();   // an anonymous play teaches no one's taste
      }
      eventId = UUID.fromString(e.getString("event_id"));
      user = UUID.fromString(e.getString("user_id"));
      track = UUID.fromString(e.getString("track_id"));
      kind = topic.equals(playedTopic) ? "play" : e.getString("event");
      if (!Wave.EVENTS.contains(kind) && !"play".equals(kind)) {
        return Future.failedFuture(new KafkaConsumers.Unusable("unknown event '" + kind + "'"));
      }
      String when = e.getString(topic.equals(playedTopic) ? "played_at" : "at");
      at = when == null ? OffsetDateTime.now(ZoneOffset.UTC) : OffsetDateTime.parse(when);
    } catch (RuntimeException e) {
      return Future.failedFuture(new KafkaConsumers.Unusable("malformed event: " + e.getMessage()));
    }
    return repo.signal(eventId, user, track, kind, at).mapEmpty();
  }

  Future<Void> close() {
    return consumer == null ? Future.succeededFuture() : consumer.close();
  }
}
