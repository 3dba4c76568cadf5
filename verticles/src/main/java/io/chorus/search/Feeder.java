package io.chorus.search;

import io.chorus.infra.Backoff;
import io.chorus.infra.FinalConsumer;
import io.chorus.infra.KafkaConsumers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Keeps the node's index in step with PostgreSQL. Every change re-reads the row by id (a missing row
 * deletes the document), so an event only says "look again": replays and duplicates are harmless and
 * moderation, edits and deletes come out right. Sources: a full build when the index is fresh; the
 * node's own Kafka consumer of the track and user events (its offsets committed with the index, so a
 * restart replays exactly what the index lacks); takedowns on the clustered bus (applied at once); and
 * a sweep of rows whose {@code updated_at} moved, for changes that announce no event.
 */
final class Feeder {
  private static final Logger LOG = LoggerFactory.getLogger(Feeder.class);
  private static final String ZERO = "00000000-0000-0000-0000-000000000000";
  private static final int PAGE = 1000;
  private static final int SWEEP_OVERLAP_SECONDS = 5;

  private final Vertx vertx;
  private final Pool pg;
  private final SearchEngine index;
  private final WorkerExecutor writes;
  private final SearchConfig config;
  private final Map<String, DocType> types;
  private FinalConsumer consumer;
  private Future<Void> tail = Future.succeededFuture();
  private int queued;
  private boolean paused;
  private boolean sweeping;
  /** With a shared engine only the owner of the first uploads partition sweeps, so a change is written once per cluster. */
  private boolean sweeper;
  /** Documents deleted lately: a sweep or build page read before the delete must not bring them back (ids are never reused). */
  private final Set<String> gone = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 10_000;
    }
  });

  Feeder(Vertx vertx, Pool pg, SearchEngine index, WorkerExecutor writes, SearchConfig config, List<DocType> types) {
    this.vertx = vertx;
    this.pg = pg;
    this.index = index;
    this.writes = writes;
    this.config = config;
    this.types = new java.util.LinkedHashMap<>();
    types.forEach(t -> this.types.put(t.name(), t));
  }

  /** Builds the index from PostgreSQL when it is fresh; sweep watermarks start at the build's start. */
  Future<Void> build() {
    if (!index.fresh()) {
      return Future.succeededFuture();
    }
    long started = System.nanoTime();
    return pg.query("SELECT now() AS now").execute().compose(rs -> {
      String now = rs.iterator().next().getOffsetDateTime("now").toString();
      types.keySet().forEach(t -> index.progress("sweep:" + t, now));
      Future<Void> chain = Future.succeededFuture();
      for (DocType type : types.values()) {
        chain = chain.compose(v -> buildPage(type, ZERO));
      }
      return chain;
    }).compose(v -> writes.executeBlocking(() -> {
      index.commit(true);
      index.refresh();
      return null;
    }, true)).onSuccess(v -> LOG.info("Search index built from PostgreSQL: {} documents in {} ms", index.count(),
        (System.nanoTime() - started) / 1_000_000)).mapEmpty();
  }

  private Future<Void> buildPage(DocType type, String after) {
    return pg.preparedQuery(type.page()).execute(Tuple.of(UUID.fromString(after), PAGE)).compose(rows -> {
      List<SearchDoc> docs = new ArrayList<>();
      rows.forEach(r -> docs.add(type.toDoc(r)));
      if (docs.isEmpty()) {
        return Future.succeededFuture();
      }
      return writes.executeBlocking(() -> {
        index.putAll(notGone(docs));
        return null;
      }, true).compose(v -> docs.size() < PAGE ? Future.succeededFuture() : buildPage(type, docs.get(docs.size() - 1).id()));
    });
  }

  /** The documents not deleted lately (one batch: OpenSearch writes it in one bulk request). */
  private List<SearchDoc> notGone(List<SearchDoc> docs) {
    synchronized (gone) {
      return docs.stream().filter(d -> !gone.contains(d.type() + ":" + d.id())).toList();
    }
  }

  /** Re-reads one document (and, for a track or album, its artist, whose visibility follows its tracks and albums). */
  Future<Void> reindex(String type, String id, boolean takenDown) {
    DocType t = types.get(type);
    if (t == null) {
      return Future.succeededFuture();   // a type this node does not index
    }
    UUID uuid;
    try {
      uuid = UUID.fromString(id);
    } catch (IllegalArgumentException | NullPointerException e) {
      LOG.warn("Search: ignoring a change of {} with a bad id '{}'", type, id);
      return Future.succeededFuture();
    }
    return pg.preparedQuery(t.byId()).execute(Tuple.of(uuid)).compose(rows -> {
      Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
      SearchDoc doc = row == null ? null : t.toDoc(row);
      if (doc != null && takenDown) {
        // the takedown message is the authority until the row says otherwise (the next change re-reads it)
        doc = new SearchDoc(doc.type(), doc.id(), doc.ownerId(), false, true, doc.title(), doc.subtitle(), doc.extra(), doc.label(),
            doc.json().put("moderation", "removed"), doc.owners());
      }
      SearchDoc put = doc;
      String artist = row != null && hasArtist(type) && row.getUUID("artist_id") != null ? row.getUUID("artist_id").toString() : null;
      return writes.executeBlocking(() -> {
        if (put == null) {
          synchronized (gone) {
            gone.add(type + ":" + id);
          }
          index.delete(type, id);
        } else {
          index.put(put);
        }
        return null;
      }, true).compose(v -> artist == null || !types.containsKey("artists") ? Future.<Void>succeededFuture() : reindex("artists", artist, false));
    });
  }

  private static boolean hasArtist(String type) {
    return "tracks".equals(type) || "albums".equals(type);
  }

  /** Subscribes the node's own consumer group to the track and user events. */
  Future<Void> consume(String bootstrapServers, String groupName) {
    // the offsets live in the engine's commit (Lucene commit data, OpenSearch meta index), never in the group
    consumer = KafkaConsumers.create(vertx, bootstrapServers, config.consumerGroupPrefix() + "-" + groupName,
        Map.of("metadata.max.age.ms", "2000"));
    consumer.consumer().partitionsAssignedHandler(this::assigned);
    consumer.consumer().partitionsRevokedHandler(revoked -> revoked.forEach(tp -> sweeper &= !first(tp)));
    consumer.consumer().handler(this::record);
    consumer.consumer().exceptionHandler(e -> LOG.warn("Search consumer: {}", e.toString()));
    return consumer.consumer().subscribe(Set.of(config.topicUploaded(), config.topicProcessed(), config.topicUsers(), config.topicCatalog()));
  }

  private void assigned(Set<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      sweeper |= first(tp);
      String stored = index.progress(key(tp.getTopic(), tp.getPartition()));
      if (stored != null) {
        consumer.seek(tp, Long.parseLong(stored)).onFailure(e -> LOG.warn("Search consumer: seek {} failed: {}", tp, e.toString()));
      }
    }
  }

  private boolean first(TopicPartition tp) {
    return tp.getPartition() == 0 && tp.getTopic().equals(config.topicUploaded());
  }

  private static String key(String topic, int partition) {
    return "kafka:" + topic + ":" + partition;
  }

  /** Records are applied one after another, so the offset stored is never ahead of what was indexed. */
  private void record(KafkaConsumerRecord<String, String> r) {
    String stored = index.progress(key(r.topic(), r.partition()));
    if (stored != null && r.offset() < Long.parseLong(stored)) {
      // fetched from the group's reset position (earliest) before the seek of assigned() took effect: already
      // applied, and re-applying it now would undo what happened since (a row deleted without an event)
      return;
    }
    queued++;
    if (queued > 500 && !paused) {
      paused = true;
      consumer.pause();
    }
    tail = tail.eventually(() -> applied(r)
        .onSuccess(x -> index.progress(key(r.topic(), r.partition()), String.valueOf(r.offset() + 1)))
        .onComplete(x -> {
          if (--queued < 100 && paused) {
            paused = false;
            consumer.resume();
          }
        }));
  }

  /**
   * Applies a record, and again after a wait ({@link Backoff}) for as long as it fails (PostgreSQL or the engine away, a role without its
   * grants): a record is a change the sweep may never see (a delete, a takedown), so it is not skipped, and the records
   * behind it wait (the consumer pauses once 500 are queued). Once the consumer is closed it fails instead, its offset not
   * stored: the next start reads it again.
   */
  private Future<Void> applied(KafkaConsumerRecord<String, String> r) {
    if (consumer.closed()) {
      return Future.failedFuture("the search consumer is closed");
    }
    return Backoff.retried(vertx, () -> apply(r), (e, tries) -> consumer.closed(), (e, tries, waitMs) ->
        LOG.warn("Search: {} at {}:{} not applied ({}); trying again in {} ms", r.topic(), r.partition(), r.offset(), e.toString(), waitMs));
  }

  private Future<Void> apply(KafkaConsumerRecord<String, String> r) {
    if (r.topic().equals(config.topicCatalog())) {
      return catalog(r.value());
    }
    boolean users = r.topic().equals(config.topicUsers());
    String id = r.key();
    if (id == null && r.value() != null) {
      try {
        JsonObject v = new JsonObject(r.value());
        id = users ? v.getJsonObject("user", new JsonObject()).getString("id") : v.getString("track_id");
      } catch (RuntimeException e) {
        id = null;
      }
    }
    return reindex(users ? "users" : "tracks", id, false);
  }

  /**
   * The library's catalog events (deletes, moderation decisions and moves to another artist, which the
   * {@code updated_at} sweep cannot see or sees late): {@code {"type","subject_type","subject_id","artist_id"?}};
   * {@code artist_id}, the artist a deleted or moved track or album belonged to, is looked at again too (its
   * visibility follows its tracks and albums, and no row of it changed).
   */
  private Future<Void> catalog(String value) {
    JsonObject v;
    try {
      v = new JsonObject(value);
    } catch (RuntimeException e) {
      LOG.warn("Search: ignoring a catalog event that is not JSON");
      return Future.succeededFuture();
    }
    String subject = v.getString("subject_type");
    String type = subject == null ? null : subject.endsWith("s") ? subject : subject + "s";
    if (type == null || !types.containsKey(type)) {
      return Future.succeededFuture();
    }
    String artist = v.getString("artist_id");
    return reindex(type, v.getString("subject_id"), false)
        .compose(x -> artist == null || !types.containsKey("artists") ? Future.<Void>succeededFuture() : reindex("artists", artist, false))
        .compose(x -> "tracks".equals(type) ? playlistsOf(v) : Future.<Void>succeededFuture());
  }

  /**
   * Re-reads the playlists holding a track whose visibility changed (their {@code track_count} counts approved
   * entries): those that hold it now, and those a deleted track was in ({@code playlist_ids}: its entries are gone).
   */
  private Future<Void> playlistsOf(JsonObject event) {
    if (!types.containsKey("playlists")) {
      return Future.succeededFuture();
    }
    Set<String> lists = new java.util.LinkedHashSet<>();
    JsonArray named = event.getValue("playlist_ids") instanceof JsonArray a ? a : new JsonArray();
    named.forEach(p -> lists.add(String.valueOf(p)));
    UUID track;
    try {
      track = UUID.fromString(event.getString("subject_id"));
    } catch (IllegalArgumentException | NullPointerException e) {
      return Future.succeededFuture();
    }
    return pg.preparedQuery("SELECT DISTINCT playlist_id FROM playlist_tracks WHERE track_id = $1").execute(Tuple.of(track)).compose(rows -> {
      rows.forEach(r -> lists.add(r.getUUID("playlist_id").toString()));
      Future<Void> chain = Future.succeededFuture();
      for (String list : lists) {
        chain = chain.compose(x -> reindex("playlists", list, false));
      }
      return chain;
    });
  }

  /** A change announced on the bus (a disabled user): re-read and searchable at once. */
  void changed(String type, String id) {
    if (id == null || !types.containsKey(type)) {
      return;
    }
    reindex(type, id, false)
        .compose(v -> writes.executeBlocking(() -> {
          index.refresh();
          return null;
        }, true))
        .onFailure(e -> LOG.warn("Search: change of {} {} not applied: {}", type, id, e.toString()));
  }

  /** A takedown on the bus: {@code {"type":"takedown","subject_type":"track"|"album","subject_id"}}. */
  void takedown(JsonObject body) {
    String subject = body == null ? null : body.getString("subject_type");
    String type = subject == null ? null : subject.endsWith("s") ? subject : subject + "s";
    if (type == null || !types.containsKey(type)) {
      LOG.warn("Search: ignoring takedown {}", body);
      return;
    }
    reindex(type, body.getString("subject_id"), true)
        .compose(v -> writes.executeBlocking(() -> {
          index.refresh();
          return null;
        }, true))
        .onFailure(e -> LOG.warn("Search: takedown {} not applied: {}", body, e.toString()));
  }

  /** Re-reads the rows changed since each type's watermark (with an overlap for transactions that commit late). */
  void sweep() {
    if (sweeping || (index.shared() && !sweeper)) {
      return;
    }
    sweeping = true;
    Future<Void> chain = Future.succeededFuture();
    for (DocType type : types.values()) {
      if (type.changedSince() != null) {
        chain = chain.compose(v -> sweep(type));
      }
    }
    chain.onComplete(x -> sweeping = false).onFailure(e -> LOG.warn("Search sweep failed: {}", e.toString()));
  }

  private static final UUID NIL = new UUID(0, 0);

  private Future<Void> sweep(DocType type) {
    String mark = index.progress("sweep:" + type.name());
    OffsetDateTime since = mark == null ? OffsetDateTime.now().minusSeconds(SWEEP_OVERLAP_SECONDS)
        : OffsetDateTime.parse(mark).minusSeconds(SWEEP_OVERLAP_SECONDS);
    return sweep(type, since, NIL);
  }

  /**
   * One page of the rows changed after ({@code since}, {@code afterId}), then the next while pages come full: more than a
   * page changed within the overlap (a bulk insert) would otherwise be read from the same start every sweep, the rows
   * past the first page never.
   */
  private Future<Void> sweep(DocType type, OffsetDateTime since, UUID afterId) {
    String mark = index.progress("sweep:" + type.name());
    return pg.preparedQuery(type.changedSince()).execute(Tuple.of(since, PAGE, afterId)).compose(rows -> {
      List<SearchDoc> docs = new ArrayList<>();
      Set<String> artists = new java.util.HashSet<>();
      OffsetDateTime newest = mark == null ? since.plusSeconds(SWEEP_OVERLAP_SECONDS) : OffsetDateTime.parse(mark);
      OffsetDateTime lastAt = null;
      UUID lastId = null;
      for (Row r : rows) {
        docs.add(type.toDoc(r));
        if (hasArtist(type.name()) && r.getUUID("artist_id") != null) {
          artists.add(r.getUUID("artist_id").toString());
        }
        OffsetDateTime at = r.getOffsetDateTime("updated_at");
        if (at != null && at.isAfter(newest)) {
          newest = at;
        }
        lastAt = at;
        lastId = r.getUUID("id");
      }
      String next = newest.toString();
      boolean full = rows.size() == PAGE && lastAt != null && lastId != null;
      OffsetDateTime pageEnd = lastAt;
      UUID pageEndId = lastId;
      return writes.executeBlocking(() -> {
        index.putAll(notGone(docs));
        if (!next.equals(mark)) {
          index.progress("sweep:" + type.name(), next);
        }
        return null;
      }, true).compose(v -> {
        // an approval (or a move) changes whether the track's or album's artist is public
        Future<Void> chain = Future.succeededFuture();
        for (String artist : artists) {
          chain = chain.compose(x -> reindex("artists", artist, false));
        }
        return full ? chain.compose(x -> sweep(type, pageEnd, pageEndId)) : chain;
      });
    });
  }

  Future<Void> close() {
    Promise<Void> done = Promise.promise();
    if (consumer == null) {
      return Future.succeededFuture();
    }
    consumer.close().onComplete(x -> done.complete());
    return done.future();
  }
}
