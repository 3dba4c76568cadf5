package io.chorus.search;

/** Field names of the index; one schema for every document type. */
final class SearchFields {
  /** "tracks:<uuid>": the key a document is replaced and deleted by. */
  static final String UID = "uid";
  static final String TYPE = "type";
  static final String ID = "id";
  /** "1" when anyone may see it (approved, a public playlist, an active user). */
  static final String PUBLIC = "pub";
  static final String OWNER = "owner";
  /** "1" for a takedown (or a disabled user): hidden from the owner too. */
  static final String REMOVED = "removed";
  static final String TITLE = "title";
  /** Title, artist, album, tags, ...: everything a query may name. */
  static final String TEXT = "text";
  /** {@link #TEXT} transliterated into the other script. */
  static final String ALT = "alt";
  /** Edge n-grams of the title and subtitle (and their transliteration) for suggestions. */
  static final String PREFIX = "prefix";
  static final String JSON = "json";
  static final String LABEL = "label";

  /** Bump when the analysis or the fields change: an index of another version is rebuilt. */
  static final String SCHEMA = "1";

  private SearchFields() {
  }
}
