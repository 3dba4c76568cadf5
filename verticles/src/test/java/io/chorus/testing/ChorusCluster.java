package io.chorus.testing;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Chorus nodes for a test class or a test method, on the real services of {@link TestServices}
 * (started once per JVM). On a class: started before its {@code @BeforeAll} methods, closed after
 * its {@code @AfterAll} methods. On a method: started for that method only (its parameters get that
 * cluster, not the class's). What a test needs of it is injected by type: {@link TestCluster}, {@code ChorusNode}
 * (the first node), {@code List<ChorusNode>}, {@code Vertx} (the cluster's {@link TestCluster#client() client}),
 * {@link Rest} or {@code RedisAPI} (the cluster's clients); as a parameter of a constructor, lifecycle or test method,
 * or as a static, non-final field of the annotated class, which is set (when null) before its {@code @BeforeAll}
 * methods run.
 *
 * <pre>{@code
 * @ChorusCluster(nodes = 2, config = {"RATE_LIMIT_CHAT_MESSAGES=0", "GRPC_API_KEY=test-key"})
 * class SomeTest {
 *   static TestCluster cluster;
 *   static Rest rest;
 *
 *   @Test
 *   void something() {
 *     rest.postOk(cluster.port(1), "/api/v1/rooms", null, body);
 *   }
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(ChorusExtension.class)
public @interface ChorusCluster {
  /** How many clustered nodes. */
  int nodes() default 1;

  /** Configuration overrides as {@code NAME=value} (the environment variable names of docs/configuration.md). */
  String[] config() default {};

  /** {@code CHORUS_ROLES} of the nodes: empty for the default, one entry for all nodes, or one per node. */
  String[] roles() default {};
}
