package io.chorus.library;

import io.chorus.bus.Addresses;
import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reports and moderation of tracks and albums. A decision changes the subject's {@code moderation},
 * writes its {@code moderation_audit} row and resolves the subject's open reports in one transaction
 * (the subject row locked), so the log never misses or invents a decision. Transitions:
 * approve (pending|rejected → approved), reject (pending → rejected), takedown (pending|approved|rejected
 * → removed), restore (removed → approved); anything else is {@code 409}. A takedown is also published
 * on {@link Addresses#LIBRARY_TAKEDOWN} to every node (streams, search and rooms drop the subject at
 * once). An album takedown hides the album only: its tracks keep their own moderation state, but the
 * message lists them ({@code track_ids}) and rooms stop playing and drop them.
 */
final class Moderation {
  private static final Logger LOG = LoggerFactory.getLogger(Moderation.class);

  /** decision → (states it may follow, the state it sets). */
  private static final Map<String, Map.Entry<Set<String>, String>> TRANSITIONS = Map.of(
      "approve", Map.entry(Set.of("pending", "rejected"), "approved"),
      "reject", Map.entry(Set.of("pending"), "rejected"),
      "takedown", Map.entry(Set.of("pending", "approved", "rejected"), "removed"),
      "restore", Map.entry(Set.of("removed"), "approved"));

  private final Pool pg;
  private final EventBus bus;
  private final CatalogEvents events;
  /** This node's own reaction to a takedown message, before the answer (its stream rows). */
  private java.util.function.Consumer<JsonObject> local = m -> { };

  Moderation(Pool pg, EventBus bus, CatalogEvents events) {
    this.pg = pg;
    this.bus = bus;
    this.events = events;
  }

  Moderation onTakedown(java.util.function.Consumer<JsonObject> local) {
    this.local = local;
    return this;
  }

  static boolean known(String decision) {
    return TRANSITIONS.containsKey(decision);
  }

  /** {@code track} or {@code album} → its table. */
  private static String table(String type) {
    return "track".equals(type) ? "tracks" : "albums";
  }

  /** A user's report; one open report per user and subject (a unique index) → ALREADY_EXISTS. */
  Future<JsonObject> report(SignedIn me, String type, UUID id, String reason) {
    return Likes.requireVisible(pg, type, id, me)
        .compose(r -> pg.preparedQuery("INSERT INTO reports (reporter_id, subject_type, subject_id, reason) VALUES ($1, $2, $3, $4)"
                + " RETURNING id, created_at")
            .execute(Tuple.of(UUID.fromString(me.userId()), type, id, reason)))
        .recover(e -> e instanceof PgException pe && "23505".equals(pe.getSqlState())
            ? Future.failedFuture(ErrorCode.ALREADY_EXISTS.exception("you already reported this " + type + "; a moderator will look at it"))
            : Future.failedFuture(e))
        .map(rs -> {
          Row r = rs.iterator().next();
          return new JsonObject().put("report", new JsonObject().put("id", r.getLong("id")).put("subject_type", type)
              .put("subject_id", id.toString()).put("reason", reason).put("created_at", CatalogHttp.iso(r.getOffsetDateTime("created_at"))));
        });
  }

  /** Pending items oldest first, then (in the same order) approved items with open reports, with their count and reasons. */
  Future<JsonObject> queue(SignedIn moderator, String type, io.chorus.web.KeysetCursor cursor, int limit) {
    String alias = "track".equals(type) ? "t" : "al";
    // a track carries the moderator's own liked ($5), as it does in every other list a signed-in caller reads
    String columns = "track".equals(type) ? CatalogTracks.columns(5) : AlbumRepo.COLUMNS;
    String from = "track".equals(type) ? CatalogTracks.FROM : AlbumRepo.FROM;
    String sql = "SELECT " + columns + ", coalesce(rep.n, 0) AS open_reports, rr.reports FROM " + from
        + " LEFT JOIN (SELECT subject_id, count(*) AS n FROM reports WHERE subject_type = $1 AND resolved_at IS NULL GROUP BY subject_id) rep"
        + " ON rep.subject_id = " + alias + ".id,"
        + " LATERAL (SELECT coalesce(json_agg(json_build_object('reason', x.reason, 'created_at', x.created_at) ORDER BY x.id), '[]'::json) AS reports"
        + " FROM (SELECT id, reason, created_at FROM reports WHERE subject_type = $1 AND subject_id = " + alias + ".id AND resolved_at IS NULL"
        + " ORDER BY id LIMIT 20) x) rr"
        + " WHERE (" + alias + ".moderation = 'pending' OR (" + alias + ".moderation = 'approved' AND rep.n > 0))"
        + " AND ($2::timestamptz IS NULL OR (" + alias + ".created_at, " + alias + ".id) > ($2, $3::uuid))"
        + " ORDER BY " + alias + ".created_at, " + alias + ".id LIMIT $4";
    Tuple params = Tuple.of(type, cursor == null ? null : cursor.at(), cursor == null ? null : cursor.id(), limit + 1);
    if ("track".equals(type)) {
      params.addValue(UUID.fromString(moderator.userId()));
    }
    return pg.preparedQuery(sql)
        .execute(params)
        .map(rs -> {
          JsonArray items = new JsonArray();
          String next = null;
          for (Row r : rs) {
            JsonObject subject = "track".equals(type) ? CatalogTracks.json(r) : AlbumRepo.json(r);
            if (items.size() == limit) {
              JsonObject last = items.getJsonObject(limit - 1).getJsonObject(type);
              next = new io.chorus.web.KeysetCursor(java.time.OffsetDateTime.parse(last.getString("created_at")), UUID.fromString(last.getString("id"))).encode();
              break;
            }
            Object reports = r.getValue("reports");
            JsonArray reasons = reports instanceof JsonArray a ? a : new JsonArray();
            // json_build_object writes a timestamptz as PostgreSQL prints it (+00:00); every other created_at of the
            // API, the report's own in POST …/report included, is an ISO-8601 instant in UTC ending in Z
            reasons.forEach(o -> {
              JsonObject report = (JsonObject) o;
              String at = report.getString("created_at");
              if (at != null) {
                report.put("created_at", CatalogHttp.iso(java.time.OffsetDateTime.parse(at)));
              }
            });
            items.add(new JsonObject().put("subject_type", type).put("subject_id", subject.getString("id")).put(type, subject)
                .put("open_reports", r.getLong("open_reports")).put("reports", reasons));
          }
          return new JsonObject().put("items", items).put("next_cursor", next);
        });
  }

  /** Applies a decision (see the class comment); the subject's new state with the audit row's id. */
  Future<JsonObject> decide(SignedIn moderator, String type, UUID id, String decision, String reason) {
    Map.Entry<Set<String>, String> t = TRANSITIONS.get(decision);
    String[] owner = {null};
    return events.committed(pg.withTransaction(c -> c.preparedQuery("SELECT owner_id, moderation FROM " + table(type) + " WHERE id = $1 FOR UPDATE")
        .execute(Tuple.of(id))
        .compose(rs -> {
          Row r = AlbumRepo.first(rs);
          if (r == null) {
            return Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such " + type));
          }
          String state = r.getString("moderation");
          owner[0] = r.getUUID("owner_id").toString();
          if ("approve".equals(decision) && "approved".equals(state)) {
            // a reported item the moderator finds fine is kept: its open reports are resolved, it stays approved
            return c.preparedQuery("SELECT 1 FROM reports WHERE subject_type = $1 AND subject_id = $2 AND resolved_at IS NULL LIMIT 1")
                .execute(Tuple.of(type, id))
                .compose(open -> open.size() == 0
                    ? Future.<io.vertx.sqlclient.RowSet<Row>>failedFuture(ErrorCode.CONFLICT.exception(
                        "cannot approve an approved " + type + " without open reports"))
                    : Future.succeededFuture(open));
          }
          if (!t.getKey().contains(state)) {
            return Future.failedFuture(ErrorCode.CONFLICT.exception("cannot " + decision + " "
                + ("aeiou".indexOf(state.charAt(0)) >= 0 ? "an " : "a ") + state + " " + type));
          }
          boolean negative = "reject".equals(decision) || "takedown".equals(decision);
          return c.preparedQuery("UPDATE " + table(type) + " SET moderation = $2, moderation_reason = $3, updated_at = NOW() WHERE id = $1")
              .execute(Tuple.of(id, t.getValue(), negative ? reason : null));
        })
        .compose(x -> c.preparedQuery("INSERT INTO moderation_audit (moderator_id, subject_type, subject_id, decision, reason)"
                + " VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .execute(Tuple.of(UUID.fromString(moderator.userId()), type, id, decision, reason)))
        .compose(audit -> c.preparedQuery("UPDATE reports SET resolved_at = NOW() WHERE subject_type = $1 AND subject_id = $2 AND resolved_at IS NULL")
            .execute(Tuple.of(type, id))
            .map(resolved -> new JsonObject().put("subject_type", type).put("subject_id", id.toString()).put("decision", decision)
                .put("moderation", t.getValue()).put("moderation_reason", "reject".equals(decision) || "takedown".equals(decision) ? reason : null)
                .put("audit_id", audit.iterator().next().getLong("id")).put("reports_resolved", resolved.rowCount())))
        // search (and anyone else) learns of every decision from Kafka, an approval within a second
        .compose(result -> events.write(c, type, id, "moderated", new JsonObject().put("owner_id", owner[0]).put("decision", decision))
            .map(result))))
        .onSuccess(result -> announce(type, id, decision, owner[0], result));
  }

  /** After the commit: every node learns of a takedown; the owner's sockets learn of every decision. */
  private void announce(String type, UUID id, String decision, String owner, JsonObject result) {
    if ("takedown".equals(decision)) {
      trackIds(type, id).onComplete(ids -> {
        // an album's tracks stay as they are in the library, but rooms stop playing them (track_ids)
        JsonArray tracks = ids.succeeded() ? ids.result() : new JsonArray();
        if (ids.failed()) {
          LOG.warn("Album {} taken down; its tracks could not be listed for the rooms: {}", id, ids.cause().getMessage());
        }
        JsonObject message = takedownMessage(type, id.toString(), tracks, null);
        local.accept(message);
        bus.publish(Addresses.LIBRARY_TAKEDOWN, message);
        LOG.info("{} {} taken down", type, id);
      });
    }
    bus.publish(Addresses.userEvents(owner), new JsonObject().put("type", "moderation").put("subject_type", type)
        .put("subject_id", id.toString()).put("moderation", result.getString("moderation")).put("reason", result.getString("moderation_reason")));
  }

  /**
   * The takedown message every node gets: {@code track_ids} are the library tracks rooms must stop (the track
   * itself, or an album's tracks); {@code cause} {@code deleted} when the track was deleted rather than taken down.
   */
  static JsonObject takedownMessage(String type, String id, JsonArray trackIds, String cause) {
    JsonObject m = new JsonObject().put("type", "takedown").put("subject_type", type).put("subject_id", id).put("track_ids", trackIds);
    return cause == null ? m : m.put("cause", cause);
  }

  /** The subject's tracks: a track itself, an album's tracks in their order. */
  private Future<JsonArray> trackIds(String type, UUID id) {
    if ("track".equals(type)) {
      return Future.succeededFuture(new JsonArray().add(id.toString()));
    }
    return pg.preparedQuery("SELECT track_id FROM album_tracks WHERE album_id = $1 ORDER BY position").execute(Tuple.of(id))
        .map(rs -> {
          JsonArray out = new JsonArray();
          rs.forEach(r -> out.add(r.getUUID("track_id").toString()));
          return out;
        });
  }

  /** Audit rows, newest first, optionally of one subject; {@code before}: the last id of the previous page. */
  Future<JsonObject> audit(String type, UUID id, Long before, int limit) {
    return pg.preparedQuery("SELECT m.id, m.moderator_id, u.username AS moderator_name, m.subject_type, m.subject_id, m.decision, m.reason, m.created_at"
            + " FROM moderation_audit m LEFT JOIN users u ON u.id = m.moderator_id"
            + " WHERE ($1::text IS NULL OR m.subject_type = $1) AND ($2::uuid IS NULL OR m.subject_id = $2) AND ($3::bigint IS NULL OR m.id < $3)"
            + " ORDER BY m.id DESC LIMIT $4")
        .execute(Tuple.of(type, id, before, limit + 1))
        .map(rs -> {
          JsonArray out = new JsonArray();
          String next = null;
          for (Row r : rs) {
            if (out.size() == limit) {
              next = String.valueOf(out.getJsonObject(limit - 1).getLong("id"));
              break;
            }
            out.add(new JsonObject().put("id", r.getLong("id")).put("moderator_id", r.getUUID("moderator_id").toString())
                .put("moderator_name", r.getString("moderator_name")).put("subject_type", r.getString("subject_type"))
                .put("subject_id", r.getUUID("subject_id").toString()).put("decision", r.getString("decision"))
                .put("reason", r.getString("reason")).put("created_at", CatalogHttp.iso(r.getOffsetDateTime("created_at"))));
          }
          return new JsonObject().put("audit", out).put("next_cursor", next);
        });
  }
}
