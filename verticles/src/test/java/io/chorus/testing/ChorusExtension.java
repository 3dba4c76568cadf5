package io.chorus.testing;

import io.chorus.ChorusNode;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts the {@link ChorusCluster} a test class or method asks for and injects it (a class's static fields of
 * the injected types before its {@code @BeforeAll} methods, parameters by type). The cluster is
 * kept in the JUnit store of the class (or method) context as a closeable resource, so JUnit closes
 * it when that context ends: after the class's {@code @AfterAll} methods, or after the method.
 */
public final class ChorusExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ChorusExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    TestCluster cluster = clusterOf(context);
    if (cluster != null) {
      injectStatics(context.getRequiredTestClass(), cluster);
    }
  }

  /** Sets the class's {@link #injectable} static fields that are still null to the cluster's parts. */
  private static void injectStatics(Class<?> testClass, TestCluster cluster) {
    for (Field f : ReflectionSupport.findFields(testClass, ChorusExtension::injectable, HierarchyTraversalMode.TOP_DOWN)) {
      try {
        f.setAccessible(true);
        if (f.get(null) == null) {
          f.set(null, part(cluster, f.getGenericType()));
        }
      } catch (IllegalAccessException e) {
        throw new ExtensionConfigurationException("cannot set " + f + " to the @ChorusCluster's", e);
      }
    }
  }

  /** A static, non-final field of a type {@link #part} gives. */
  static boolean injectable(Field f) {
    int m = f.getModifiers();
    return Modifier.isStatic(m) && !Modifier.isFinal(m) && isPart(f.getGenericType());
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    clusterOf(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return isPart(parameter.getParameter().getParameterizedType());
  }

  private static boolean isPart(Type type) {
    if (type instanceof ParameterizedType p) {
      Type[] args = p.getActualTypeArguments();
      return p.getRawType() == List.class && args.length == 1 && args[0] == ChorusNode.class;
    }
    return type == TestCluster.class || type == ChorusNode.class || type == Vertx.class || type == Rest.class || type == RedisAPI.class;
  }

  /** The cluster, its first node, its nodes, its client Vert.x, REST client or Redis client, by {@code type}. */
  private static Object part(TestCluster cluster, Type type) {
    if (type == TestCluster.class) {
      return cluster;
    } else if (type == ChorusNode.class) {
      return cluster.node();
    } else if (type == Vertx.class) {
      return cluster.client();
    } else if (type == Rest.class) {
      return cluster.rest();
    } else if (type == RedisAPI.class) {
      return cluster.redis();
    }
    return cluster.nodes();
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    TestCluster cluster = clusterOf(context);
    if (cluster == null) {
      throw new ParameterResolutionException("no @ChorusCluster on " + context.getElement().map(Object::toString).orElse("this test")
          + " or its class to inject " + parameter.getParameter());
    }
    return part(cluster, parameter.getParameter().getParameterizedType());
  }

  /**
   * The cluster of this context: the method's own if the method is annotated, else the class's
   * (started on first use, so a parameter of {@code @BeforeAll} can ask for it too).
   */
  private static TestCluster clusterOf(ExtensionContext context) {
    Optional<Method> method = context.getTestMethod();
    if (method.isPresent() && AnnotationSupport.isAnnotated(method.get(), ChorusCluster.class)) {
      return startIn(context, method.get());
    }
    Optional<ExtensionContext> classContext = classContext(context);
    if (classContext.isEmpty()) {
      return null;
    }
    Class<?> testClass = classContext.get().getRequiredTestClass();
    return AnnotationSupport.isAnnotated(testClass, ChorusCluster.class) ? startIn(classContext.get(), testClass) : null;
  }

  private static Optional<ExtensionContext> classContext(ExtensionContext context) {
    for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
      if (c.get().getTestMethod().isEmpty() && c.get().getTestClass().isPresent()) {
        return c;
      }
    }
    return Optional.empty();
  }

  private static TestCluster startIn(ExtensionContext context, AnnotatedElement element) {
    ChorusCluster spec = AnnotationSupport.findAnnotation(element, ChorusCluster.class).orElseThrow();
    // keyed by the annotated class or method: a store lookup falls back to the parent context's
    // store, so a method's own cluster must not be found under the class's key (or the reverse)
    ExtensionContext.Store store = context.getStore(NS);
    Started started = store.getOrComputeIfAbsent(element, k -> new Started(TestCluster.start(spec.nodes(), config(spec, element),
        Arrays.asList(spec.roles()))), Started.class);
    return started.cluster();
  }

  static Map<String, String> config(ChorusCluster spec, AnnotatedElement element) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String entry : spec.config()) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new ExtensionConfigurationException("@ChorusCluster config entries are NAME=value, got '" + entry + "' on " + element);
      }
      out.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
    }
    return out;
  }

  /** What the store closes when its context ends. */
  private record Started(TestCluster cluster) implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      cluster.close();
    }
  }
}
