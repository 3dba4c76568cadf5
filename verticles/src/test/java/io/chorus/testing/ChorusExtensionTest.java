package io.chorus.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@link ChorusCluster#config()} entries are read (no nodes are started here). */
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
