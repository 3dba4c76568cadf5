package io.chorus.search;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One searchable thing as a document type makes it from its row. {@code pub}: anyone may see it;
 * otherwise only its {@code ownerId} (unless {@code removed}) and moderators. {@code json}: what a result
 * shows; {@code label}: the suggestion text.
 */
public record SearchDoc(String type, String id, String ownerId, boolean pub, boolean removed, String title, String subtitle,
                        List<String> extra, String label, JsonObject json) {
}
