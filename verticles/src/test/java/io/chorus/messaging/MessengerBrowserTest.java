package io.chorus.messaging;

import io.chorus.testing.NodeScripts;
import io.chorus.testing.Rest;
import io.chorus.testing.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The messenger page (messages.html, seed 003) in headless Chromium, two users in two browser contexts against a
 * real node (web/test/browser-messages.mjs): a direct chat opened from the friends list, live delivery with an
 * unread count, a read receipt, a live reply in order, a deleted message's tombstone, catching up after the socket
 * dropped, attachments (a photo shown inline through its signed URL, another file as a download link), a group
 * appearing live, a search over the chats opening the chat at the message found; names and messages shown as text.
 * Chromium missing is a failure, not a skip.
 */
class MessengerBrowserTest {
  static final String PW = "a long enough password";

  @Test
  void directChatLiveUnreadReceiptDeleteReconnectAndGroupInTheBrowser() {
    NodeScripts.requireChromium();
    NodeScripts.requireInstalled("playwright-core");
    TestCluster tc = TestCluster.start(1, Map.of("RATE_LIMIT_REGISTER", 100_000, "RATE_LIMIT_LOGIN", 100_000,
        "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000));
    try {
      Rest rest = tc.rest();
      String tag = UUID.randomUUID().toString().substring(0, 8);
      String anna = "anna-" + tag;
      String ben = "ben-" + tag;
      JsonObject a = rest.postOk(tc.port(), "/api/v1/auth/register", null, new JsonObject().put("username", anna).put("password", PW)
          .put("display_name", "Anna"));
      JsonObject b = rest.postOk(tc.port(), "/api/v1/auth/register", null, new JsonObject().put("username", ben).put("password", PW)
          .put("display_name", "<b>Ben</b>"));
      String annaToken = a.getString("access_token");
      String benId = b.getJsonObject("user").getString("id");
      String annaId = a.getJsonObject("user").getString("id");
      rest.postOk(tc.port(), "/api/v1/friends/requests", annaToken, new JsonObject().put("user_id", benId));
      rest.postOk(tc.port(), "/api/v1/friends/requests/" + annaId + "/accept", b.getString("access_token"), null);

      JsonObject r = NodeScripts.run("test/browser-messages.mjs", Duration.ofMinutes(4), "http://127.0.0.1:" + tc.port(),
          anna, ben, PW, benId, annaToken);
      String dump = r.encodePrettily();
      assertThat(r.getBoolean("ok")).as("browser run failed:\n%s", dump).isTrue();
      assertThat(r.getJsonArray("console")).as("no script errors:\n%s", dump).isEmpty();
      assertThat(r.getString("directTitle")).as("the other member's name, as text:\n%s", dump).isEqualTo("<b>Ben</b>");
      assertThat(r.getBoolean("inputCleared")).as(dump).isTrue();
      assertThat(r.getString("benUnread")).as(dump).isEqualTo("1");
      String markup = "hi <img src=x onerror=\"window.__xss=1\"> Ben";
      assertThat(r.getString("benPreview")).as(dump).isEqualTo(markup);
      assertThat(r.getString("benSees")).as(dump).isEqualTo(markup);
      assertThat(r.getBoolean("benUnreadAfterOpen")).as("opening the chat reads it:\n%s", dump).isFalse();
      assertThat(r.getBoolean("seenShown")).as(dump).isTrue();
      assertThat(r.getString("benReplyingTo")).as(dump).isEqualTo(markup);
      assertThat(r.getString("annaSeesTyping")).as("Ben's display name, as text:\n%s", dump).isEqualTo("<b>Ben</b> is typing…");
      assertThat(r.getString("annaSeesReply")).as(dump).isEqualTo("hello Anna");
      assertThat(r.getString("annaSeesQuote")).as(dump).isEqualTo(markup);
      assertThat(r.getString("typingGoneWithMessage")).as("the typing note goes when the message comes:\n%s", dump).isEmpty();
      assertThat(r.getBoolean("benReplyBarHidden")).as(dump).isTrue();
      assertThat(r.getJsonArray("annaOrder").getList()).as(dump).containsExactly(1, 2);
      assertThat(r.getString("annaSeesReaction")).as(dump).isEqualTo("\uD83D\uDC4D 1");
      assertThat(r.getString("benSeesTwo")).as(dump).isEqualTo("\uD83D\uDC4D 2");
      assertThat(r.getString("tombstone")).as(dump).isEqualTo("message deleted");
      assertThat(r.getString("quoteAfterDelete")).as("the reply's quote follows the deletion:\n%s", dump).isEqualTo("message deleted");
      assertThat(r.getString("caughtUp")).as(dump).isEqualTo("while you were away");
      assertThat(r.getJsonArray("benOrder").getList()).as(dump).containsExactly(1, 2, 3);
      assertThat(r.getBoolean("annaPendingCleared")).as(dump).isTrue();
      assertThat(r.getInteger("benImageWidth")).as("the photo loaded through its signed URL:\n%s", dump).isEqualTo(1);
      assertThat(r.getString("benImageAlt")).as(dump).isEqualTo("<b>pic</b>.png");
      assertThat(r.getString("benFileName")).as("the HTML file as a download link, its name as text:\n%s", dump).isEqualTo("page.html");
      assertThat(r.getBoolean("benFileSigned")).as(dump).isTrue();
      assertThat(r.getJsonArray("searchResults")).as("one result:\n%s", dump).hasSize(1);
      JsonObject found = r.getJsonArray("searchResults").getJsonObject(0);
      assertThat(found.getString("title")).as(dump).isEqualTo("Anna");
      assertThat(found.getString("author")).as(dump).isEqualTo("Anna");
      assertThat(found.getString("text")).as(dump).isEqualTo("while you were away");
      assertThat(found.getJsonArray("marks").getList()).as(dump).containsExactly("while", "away");
      assertThat(r.getString("searchOpened")).as("the chat opened at the message:\n%s", dump).isEqualTo("while you were away");
      assertThat(r.getString("benGroupTitle")).as(dump).isEqualTo("Band <b>practice</b>");
      assertThat(r.getBoolean("xssSafe")).as(dump).isTrue();
      JsonArray steps = r.getJsonArray("steps");
      System.out.printf("MessengerBrowserTest: %d steps, run %d ms, %s%n", steps.size(), r.getLong("totalMs"), r.getString("browserVersion"));
    } finally {
      tc.close();
    }
  }
}
