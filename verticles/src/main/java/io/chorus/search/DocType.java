package io.chorus.search;

import io.vertx.sqlclient.Row;

/**
 * A kind of searchable document read from PostgreSQL: the library's and accounts' types here, the
 * messenger's chats and messages later. The SQL statements select the same columns {@link #toDoc} reads.
 */
public interface DocType {
  /** The plural name used in the API and the index ({@code tracks}). */
  String name();

  /** One row by id: {@code $1} = the id (UUID); no row = the document is deleted. */
  String byId();

  /** A page in id order for the full build: {@code $1} = the last id seen (UUID), {@code $2} = the page size. */
  String page();

  /**
   * Rows changed after {@code $1} (timestamptz) in (change time, id) order, from the row after ({@code $1}, {@code $3}) (id,
   * UUID: the last row of the previous page, or the nil UUID), at most {@code $2}; null when the type cannot tell.
   */
  default String changedSince() {
    return null;
  }

  SearchDoc toDoc(Row row);
}
