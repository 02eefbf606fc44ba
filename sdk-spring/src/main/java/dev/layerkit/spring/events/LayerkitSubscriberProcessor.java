package dev.layerkit.spring.events;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventHandler;
import dev.layerkit.events.Subscription;
import dev.layerkit.spring.lifecycle.LayerkitSmartLifecycle;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds the {@link LayerkitSubscriber} methods of every bean as it is created, checking each
 * signature at once (a wrong one fails the start, naming the method), and runs them as
 * subscriptions while the application runs: subscribed in {@link #start()} in the
 * {@linkplain LayerkitSmartLifecycle#PHASE phase} before the web server starts, drained and
 * closed in {@link #stop()} after it stopped.
 *
 * <p>Each method gets its own subscriber on {@link LayerkitEvents}, decoding JSON to the method's
 * payload type. Thread-safe: Spring calls the lifecycle methods one at a time.
 */
public final class LayerkitSubscriberProcessor implements BeanPostProcessor, SmartLifecycle, BeanFactoryAware {

  private static final Logger LOG = LoggerFactory.getLogger(LayerkitSubscriberProcessor.class);

  /** One annotated method of one bean, checked. */
  private record Handler(Object bean, Method method, String topic, String group, Type payload, boolean wantsEvent) {
    String describe() {
      return method.getDeclaringClass().getName() + "." + method.getName();
    }
  }

  private final List<Handler> handlers = new CopyOnWriteArrayList<>();
  private final List<Subscription> subscriptions = new ArrayList<>();
  private @Nullable BeanFactory beanFactory;
  private volatile boolean running;

  /** Created by the starter's events auto-configuration. */
  public LayerkitSubscriberProcessor() {}

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
    Class<?> type = AopUtils.getTargetClass(bean);
    Map<Method, LayerkitSubscriber> annotated = MethodIntrospector.selectMethods(type,
        (MethodIntrospector.MetadataLookup<LayerkitSubscriber>) method ->
            AnnotatedElementUtils.findMergedAnnotation(method, LayerkitSubscriber.class));
    annotated.forEach((method, annotation) -> handlers.add(handler(bean, beanName, method, annotation)));
    return bean;
  }

  private Handler handler(Object bean, String beanName, Method method, LayerkitSubscriber annotation) {
    String where = "@LayerkitSubscriber method " + method.getDeclaringClass().getName() + "." + method.getName()
        + " of bean '" + beanName + "'";
    if (method.getParameterCount() != 1) {
      throw new BeanInitializationException(where + " must take one parameter (the payload, or Event<payload>) but takes "
          + method.getParameterCount());
    }
    String topic = resolve(annotation.topic());
    String group = resolve(annotation.group());
    if (topic.isBlank() || group.isBlank()) {
      throw new BeanInitializationException(where + " must name a topic and a group but has topic='" + topic
          + "', group='" + group + "'");
    }
    Type parameter = method.getGenericParameterTypes()[0];
    boolean wantsEvent = method.getParameterTypes()[0] == Event.class;
    Type payload = parameter;
    if (wantsEvent) {
      if (!(parameter instanceof ParameterizedType generic)) {
        throw new BeanInitializationException(where + " takes a raw Event; write Event<PayloadType>");
      }
      payload = generic.getActualTypeArguments()[0];
    }
    Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
    ReflectionUtils.makeAccessible(invocable);
    return new Handler(bean, invocable, topic, group, payload, wantsEvent);
  }

  private String resolve(String value) {
    if (beanFactory instanceof ConfigurableBeanFactory configurable) {
      String resolved = configurable.resolveEmbeddedValue(value);
      return resolved == null ? "" : resolved;
    }
    return value;
  }

  /**
   * Subscribes every handler found.
   *
   * @throws IllegalArgumentException if a topic name breaks a rule (the subscriptions made are
   *     closed)
   */
  @Override
  public void start() {
    if (handlers.isEmpty()) {
      running = true;
      return;
    }
    LayerkitEvents events = java.util.Objects.requireNonNull(beanFactory, "beanFactory").getBean(LayerkitEvents.class);
    try {
      for (Handler handler : handlers) {
        subscriptions.add(subscribe(events, handler));
        LOG.info("Layerkit: {} handles topic '{}' as group '{}' on {}", handler.describe(), handler.topic(),
            handler.group(), events.backend());
      }
    } catch (RuntimeException e) {
      closeAll();
      throw e;
    }
    running = true;
  }

  private static Subscription subscribe(LayerkitEvents events, Handler handler) {
    Codec<Object> codec = codec(handler.payload());
    EventHandler<Object> call = event -> {
      try {
        handler.method().invoke(handler.bean(), handler.wantsEvent() ? event : event.payload());
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception exception) {
          throw exception;
        }
        if (cause instanceof Error error) {
          throw error;
        }
        throw e;
      }
    };
    return events.subscriber(codec).subscribe(handler.topic(), handler.group(), call);
  }

  @SuppressWarnings("unchecked")
  private static Codec<Object> codec(Type payload) {
    if (payload instanceof Class<?> type) {
      return (Codec<Object>) Codecs.json(type);
    }
    return Codecs.json(new TypeReference<Object>() {
      @Override
      public Type getType() {
        return payload;
      }
    });
  }

  /** Closes every subscription, each draining its handler and committing. */
  @Override
  public void stop() {
    closeAll();
    running = false;
  }

  private void closeAll() {
    for (Subscription subscription : subscriptions) {
      try {
        subscription.close();
      } catch (Exception e) {
        LOG.warn("Closing the subscription to '{}' failed", subscription.topic(), e);
      }
    }
    subscriptions.clear();
  }

  /**
   * Returns the subscriptions running now, for tests and start-up ordering.
   *
   * @return a snapshot
   */
  public List<Subscription> subscriptions() {
    return List.copyOf(subscriptions);
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return LayerkitSmartLifecycle.PHASE;
  }

  @Override
  public String toString() {
    return "LayerkitSubscriberProcessor{" + handlers.size() + " handlers}";
  }
}
