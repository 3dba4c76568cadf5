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
  /** Title, artist, album, tags, ...: everything a query may name; and all of it transliterated into the other script. */
  static final String TEXT = "text";
  /** Edge n-grams of the title and subtitle (and their transliteration) for suggestions. */
  static final String PREFIX = "prefix";
  /** {@link TitleVector} of the title and subtitle (HNSW, dot product of unit vectors). */
  static final String VECTOR = "title_vec";
  static final String JSON = "json";
  static final String LABEL = "label";

  /** Bump when the analysis or the fields change: an index of another version is rebuilt. */
  static final String SCHEMA = "4";

  private SearchFields() {
  }
}
