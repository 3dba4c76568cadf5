package io.chorus.library;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.UUID;

/**
 * Catalog changes other features cannot see in a row ({@code track.deleted}, {@code album.deleted},
 * {@code playlist.deleted}: the row is gone; {@code track.artist_changed}, {@code album.artist_changed}: the row
 * names only its new artist, {@code artist_id} is the one it left) or must see at once ({@code track.moderated},
 * {@code album.moderated}) on the Kafka topic {@code LIBRARY_TOPIC_CATALOG}, key = the subject's id:
 * {@code {"event_id","type","subject_type","subject_id","owner_id"?,"artist_id"?,"decision"?,"at"}}.
 * Written to {@code library_outbox} in the change's own transaction, so a committed change is never
 * left unannounced (search drops deleted documents on every node from it).
 */
final class CatalogEvents {
  private final Vertx vertx;
  private final String topic;

  CatalogEvents(Vertx vertx, String topic) {
    this.vertx = vertx;
    this.topic = topic;
  }

  /** The outbox row, inside the caller's transaction; {@code more}: extra fields (owner_id, artist_id, decision). */
  Future<Void> write(SqlConnection c, String subjectType, UUID id, String change, JsonObject more) {
    JsonObject payload = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("type", subjectType + "." + change)
        .put("subject_type", subjectType).put("subject_id", id.toString()).put("at", Instant.now().toString());
    if (more != null) {
      more.forEach(e -> payload.put(e.getKey(), e.getValue()));
    }
    return c.preparedQuery("INSERT INTO library_outbox (topic, message_key, payload) VALUES ($1, $2, $3)")
        .execute(Tuple.of(topic, id.toString(), payload)).mapEmpty();
  }

  /**
   * {@code <subject>.artist_changed} when the subject moved from artist {@code before} to {@code after}: whether
   * {@code before} still has anything public shows in no row that changed (nothing when it did not move or had none).
   */
  Future<Void> artistLeft(SqlConnection c, String subjectType, UUID id, UUID before, UUID after) {
    return before == null || before.equals(after) ? Future.succeededFuture()
        : write(c, subjectType, id, "artist_changed", new JsonObject().put("artist_id", before.toString()));
  }

  /** After the transaction committed: this node's relay publishes the row now instead of at its next poll. */
  <T> Future<T> committed(Future<T> tx) {
    return tx.onSuccess(x -> OutboxRelayVerticle.nudge(vertx));
  }
}
