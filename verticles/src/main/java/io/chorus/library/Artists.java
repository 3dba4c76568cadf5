package io.chorus.library;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.Locale;
import java.util.UUID;

/** Artists are made by uploads, track edits and albums: one per spelling, ignoring case and surrounding blanks. */
final class Artists {
  private Artists() {
  }

  /** The artist's id for this name, made on first use; null for no (or a blank) name. */
  static Future<UUID> upsert(SqlClient c, String name) {
    if (name == null || name.isBlank()) {
      return Future.succeededFuture(null);
    }
    // DO UPDATE (a no-op) rather than DO NOTHING so that RETURNING gives the existing row's id too
    return c.preparedQuery("INSERT INTO artists (id, name, name_key) VALUES ($1, $2, $3)"
            + " ON CONFLICT (name_key) DO UPDATE SET name_key = EXCLUDED.name_key RETURNING id")
        .execute(Tuple.of(UUID.randomUUID(), name, nameKey(name))).map(rs -> rs.iterator().next().getUUID("id"));
  }

  /** The unique key of a spelling: trimmed, lower case. */
  static String nameKey(String name) {
    return name.strip().toLowerCase(Locale.ROOT);
  }
}
