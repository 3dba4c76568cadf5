package io.chorus.accounts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

/** A users row. The password hash never leaves this class through JSON. */
public record User(String id, String username, String displayName, String bio, String avatarKey, List<String> roles,
                   boolean disabled, String passwordHash, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

  public static final List<String> ALL_ROLES = List.of("user", "moderator", "admin");

  static User of(Row r) {
    String[] roles = r.getArrayOfStrings("roles");
    return new User(r.getUUID("id").toString(), r.getString("username"), r.getString("display_name"), r.getString("bio"),
        r.getString("avatar_key"), roles == null ? List.of() : Arrays.asList(roles), r.getBoolean("disabled"),
        r.getString("password_hash"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("updated_at"));
  }

  /** What anyone signed in may see. */
  public JsonObject publicJson() {
    return new JsonObject().put("id", id).put("username", username).put("display_name", displayName).put("bio", bio)
        .put("avatar_url", avatarKey == null ? null : "/api/v1/users/" + id + "/avatar")
        .put("created_at", createdAt.toInstant().toString());
  }

  /** What the user (and admins) see: also roles, the disabled flag and the last update. */
  public JsonObject privateJson() {
    return publicJson().put("roles", new JsonArray(roles)).put("disabled", disabled).put("updated_at", updatedAt.toInstant().toString());
  }

  /** The Kafka event payload: the public profile plus roles and the disabled flag (the search index filters on them). */
  JsonObject eventJson() {
    return privateJson();
  }
}
