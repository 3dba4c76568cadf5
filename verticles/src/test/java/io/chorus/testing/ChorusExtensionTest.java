package io.chorus.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@link ChorusCluster#config()} entries are read, and which fields get the cluster (no nodes are started here). */
class ChorusExtensionTest {
  @ChorusCluster(config = {"RATE_LIMIT_ROOM_CREATE=0", " GRPC_API_KEY = test-key ", "CORS_ALLOWED_ORIGINS=https://a.example,https://b.example",
      "WS_BASE_URL=wss://x.example/a=b", "LIVEKIT_URL="})
  static final class Good {
  }

  @ChorusCluster(config = "MAX_ROOM_USERS")
  static final class NoValue {
  }

  @ChorusCluster(config = "=3")
  static final class NoName {
  }

  @SuppressWarnings("unused")
  static final class Fields {
    static TestCluster cluster;
    static io.chorus.ChorusNode node;
    static List<io.chorus.ChorusNode> nodes;
    static io.vertx.core.Vertx client;
    static Rest rest;
    static io.vertx.redis.client.RedisAPI redis;
    static final Rest FINAL = null;
    Rest instance;
    static List<String> names;
    static int port;
  }

  @Test
  void theClusterAndItsClientsGoToStaticNonFinalFieldsOfTheirTypes() {
    assertThat(Arrays.stream(Fields.class.getDeclaredFields()).filter(ChorusExtension::injectable).map(Field::getName))
        .containsExactlyInAnyOrder("cluster", "node", "nodes", "client", "rest", "redis");
  }

  @Test
  void entriesAreNameEqualsValueSplitAtTheFirstEquals() {
    Map<String, String> config = ChorusExtension.config(Good.class.getAnnotation(ChorusCluster.class), Good.class);
    assertThat(config).containsExactly(Map.entry("RATE_LIMIT_ROOM_CREATE", "0"), Map.entry("GRPC_API_KEY", "test-key"),
        Map.entry("CORS_ALLOWED_ORIGINS", "https://a.example,https://b.example"), Map.entry("WS_BASE_URL", "wss://x.example/a=b"),
        Map.entry("LIVEKIT_URL", ""));
  }

  @Test
  void anEntryWithoutANameOrAnEqualsSignIsAConfigurationError() {
    for (Class<?> c : new Class<?>[] {NoValue.class, NoName.class}) {
      assertThatThrownBy(() -> ChorusExtension.config(c.getAnnotation(ChorusCluster.class), c))
          .isInstanceOf(ExtensionConfigurationException.class).hasMessageContaining("NAME=value");
    }
  }
}
