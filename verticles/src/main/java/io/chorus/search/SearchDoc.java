package io.chorus.search;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One searchable thing as a document type makes it from its row. {@code pub}: anyone may see it;
 * otherwise only its {@code ownerId} and its {@code owners} (unless {@code removed}) and moderators.
 * {@code owners}: the users besides {@code ownerId} who see it as their own (an artist: the owners of its
 * tracks and albums they see and others do not). {@code json}: what a result shows; {@code label}: the
 * suggestion text.
 */
public record SearchDoc(String type, String id, String ownerId, boolean pub, boolean removed, String title, String subtitle,
                        List<String> extra, String label, JsonObject json, List<String> owners) {
  /** A document with one owner (or none: {@code ""}). */
  public SearchDoc(String type, String id, String ownerId, boolean pub, boolean removed, String title, String subtitle,
                   List<String> extra, String label, JsonObject json) {
    this(type, id, ownerId, pub, removed, title, subtitle, extra, label, json, List.of());
  }

  /** {@code ownerId} (when there is one) and {@code owners}: the values of the owner field. */
  public List<String> allOwners() {
    List<String> all = new java.util.ArrayList<>();
    if (ownerId != null && !ownerId.isEmpty()) {
      all.add(ownerId);
    }
    all.addAll(owners);
    return all.isEmpty() ? List.of("") : all;
  }
}
